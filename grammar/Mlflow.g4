// The grammar of .mlflow files.
//
// Declarations are keyword-led, so newlines are ordinary whitespace and no separator is
// needed between declarations.
//
// The lexer never fails: a character no rule accepts becomes an ERROR_CHAR token and a string
// without its closing quote an UNTERMINATED_STRING token; the syntax stage
// (compiler/syntax/parse.cpp) reports both. Comments and ERROR_CHAR go to the hidden channel,
// where the parser does not see them; the syntax stage collects the comments for the formatter.
grammar Mlflow;

// ---------------------------------------------------------------- declarations

program
  : decl* EOF
  ;

decl
  : PIPELINE IDENT                                           # pipelineDecl
  | SEED expr                                                # seedDecl
  | PARAM IDENT COLON typeExpr ASSIGN expr                   # paramDecl
  | kind=(DATASET | AUGMENT | MODEL | STAGE) IDENT ASSIGN expr # bindingDecl
  | EXPECT expr                                              # expectDecl
  | EXPORT expr TO STRING                                    # exportDecl
  | SWEEP IDENT IN expr LBRACE decl* RBRACE                  # sweepDecl
  | IMPORT STRING                                            # importDecl
  ;

// `int`, `float`, ... or a list of one of them: `[float]`.
typeExpr
  : IDENT
  | LBRACK IDENT RBRACK
  ;

// ---------------------------------------------------------------- expressions
// One left-recursive rule; ANTLR turns it into a precedence-climbing loop. Alternatives listed
// first bind tighter: postfix .member; unary - and not; * /; + -; |>; comparisons; and; or.
// All binary operators associate to the left here; the syntax stage rejects a chained
// comparison (`a < b < c`). A chain `a + b + c + ...` is parsed in a loop, not by recursion;
// its parse tree is left-deep, and the syntax stage walks it in a loop as well.

expr
  : expr DOT IDENT                                  # memberAccess
  | op=(MINUS | NOT) expr                           # unary
  | expr op=(STAR | SLASH) expr                     # multiplicative
  | expr op=(PLUS | MINUS) expr                     # additive
  | expr op=PIPE expr                               # pipe
  | expr op=(LT | LE | GT | GE | EQ | NE) expr      # comparison
  | expr op=AND expr                                # conjunction
  | expr op=OR expr                                 # disjunction
  | NUMBER                                          # number
  | STRING                                          # string
  | (TRUE | FALSE)                                  # boolean
  | IDENT LPAREN arguments? RPAREN                  # call
  | IDENT LBRACK elements? RBRACK                   # block
  | IDENT                                           # name
  | LBRACK elements? RBRACK                         # list
  | LPAREN expr RPAREN                              # parenthesized
  ;

arguments
  : argument (COMMA argument)* COMMA?
  ;

// A leading positional argument, or `name: value`. Keywords may name arguments (the
// stages' `model:` parameter), since nothing else can stand before a `:` here.
argument
  : (argumentName COLON)? expr
  ;

argumentName
  : IDENT | PIPELINE | SEED | PARAM | DATASET | AUGMENT | MODEL | STAGE | EXPECT | EXPORT
  | TO | SWEEP | IN | IMPORT
  ;

elements
  : expr (COMMA expr)* COMMA?
  ;

// ---------------------------------------------------------------- tokens

PIPELINE : 'pipeline' ;
SEED     : 'seed' ;
PARAM    : 'param' ;
DATASET  : 'dataset' ;
AUGMENT  : 'augment' ;
MODEL    : 'model' ;
STAGE    : 'stage' ;
EXPECT   : 'expect' ;
EXPORT   : 'export' ;
TO       : 'to' ;
SWEEP    : 'sweep' ;
IN       : 'in' ;
IMPORT   : 'import' ;
TRUE     : 'true' ;
FALSE    : 'false' ;
AND      : 'and' ;
OR       : 'or' ;
NOT      : 'not' ;

LPAREN : '(' ;
RPAREN : ')' ;
LBRACK : '[' ;
RBRACK : ']' ;
LBRACE : '{' ;
RBRACE : '}' ;
COMMA  : ',' ;
COLON  : ':' ;
ASSIGN : '=' ;
DOT    : '.' ;
PIPE   : '|>' ;
PLUS   : '+' ;
MINUS  : '-' ;
STAR   : '*' ;
SLASH  : '/' ;
LE     : '<=' ;
GE     : '>=' ;
LT     : '<' ;
GT     : '>' ;
EQ     : '==' ;
NE     : '!=' ;

// `42`, `1.5`, `.5`, `1.`, `1e-3`, `2.5E+4`.
NUMBER
  : DIGIT+ ('.' DIGIT*)? EXPONENT?
  | '.' DIGIT+ EXPONENT?
  ;

IDENT : [A-Za-z_] [A-Za-z0-9_]* ;

// Any escape is lexed; the syntax stage accepts \" \\ \n \t and reports the others.
STRING : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"' ;

// A string cut off by the end of the line or of the file.
UNTERMINATED_STRING : '"' (~["\\\r\n] | '\\' ~[\r\n])* '\\'? ;

COMMENT : '#' ~[\r\n]* -> channel(HIDDEN) ;

WS : [ \t\r\n\f]+ -> skip ;

// Must stay last: whatever no other rule accepts, one code point at a time.
ERROR_CHAR : . -> channel(HIDDEN) ;

fragment DIGIT : [0-9] ;
fragment EXPONENT : [eE] [+-]? DIGIT+ ;
