// .def text in and out: parse (syntax), check (syntax + references), print.
export { checkDefs } from "./check.ts";
export { DefReader, tokenize } from "./lexer.ts";
export { parseDefs } from "./parser.ts";
export { attributeLines, printDefs } from "./printer.ts";
