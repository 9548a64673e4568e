// CCSDS 121.0-B (Rice / adaptive entropy coding) as libaec implements it, for GRIB2 template 5.42.
export { ccsdsDecode } from "./decode.ts";
export { ccsdsEncode } from "./encode.ts";
export {
  AEC_DATA_3BYTE,
  AEC_DATA_MSB,
  AEC_DATA_PREPROCESS,
  AEC_DATA_SIGNED,
  AEC_PAD_RSI,
  AEC_RESTRICTED,
  CcsdsError,
  type CcsdsOptions,
} from "./options.ts";
