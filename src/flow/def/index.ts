// .def text in and out: parse (syntax), check (syntax + references), print.
export { checkDefs } from "./check.ts";
export { lex, lexLine } from "./lexer.ts";
export { parseDefs } from "./parser.ts";
export { attributeLines, printDefs } from "./printer.ts";
