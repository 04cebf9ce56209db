" Vim syntax file for .mlflow experiment files (mlf)
" The tokens of grammar/Mlflow.g4; docs/language.md is the reference.
" Keywords are matches rather than `syn keyword`s because a keyword followed by `:` names an
" argument (`model: cnn`), and a keyword item would win over that match.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" A character no token accepts. Defined first so that every token below wins over it.
syn match mlflowError /[^ \t\r\n\fA-Za-z0-9_"#()\[\]{},:=.|+*\/<>!-]/

syn keyword mlflowTodo TODO FIXME XXX NOTE contained
syn match mlflowComment /#.*$/ contains=mlflowTodo,@Spell

" No raw newline in a string: an unterminated one ends with its line.
syn region mlflowString start=/"/ skip=/\\./ end=/"\|$/ oneline contains=mlflowBadEscape,mlflowEscape
syn match mlflowBadEscape /\\./ contained
syn match mlflowEscape /\\[\\"nt]/ contained

" 42; 1.5, .5, 1., 1e-3, 2.5E+4. `1/255` is two integers and an operator.
syn match mlflowInteger /\v([A-Za-z0-9_.])@<!\d+([A-Za-z0-9_.])@!/
syn match mlflowFloat /\v([A-Za-z0-9_.])@<!(\d+\.\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|\d+[eE][+-]?\d+)([A-Za-z0-9_.])@!/

syn match mlflowOperator /\v\|\>|[-+*\/]|[<>=!]\=|[<>=]/

" `name: value` in a call.
syn match mlflowArgument /\v<\h\w*>(\s*:)@=/

" `stage.field`
syn match mlflowMember /\v(\.\s*)@<=<\h\w*>/

" The op catalogue's names (stdlib/), kept equal to it by tests/unit/editor_op_lists_test.cpp.
" A name piped (`train |> prep`) or accessed (`fit.accuracy`) is a binding, not the op.
syn match mlflowOp /\v(\.\s*)@<!<(accuracy|adam|adamw|avg_pool|batch_norm|brightness|clamp|concat|confusion|contrast|conv2d|cosine|cross_entropy|csv|cutout|dropout|evaluate|flatten|gaussian_noise|gelu|idx|image_folder|linear|loss|macro_f1|max_pool|mixup|mse|normalize|npy|random_affine|random_crop|random_hflip|random_vflip|relu|residual|sequential|sgd|shuffle|sigmoid|split|step|take|tanh|to_float|train)>(\s*(:|\|\>|\.))@!/

syn match mlflowBoolean /\v<(true|false)>(\s*:)@!/
syn match mlflowLogical /\v<(and|or|not)>(\s*:)@!/
syn match mlflowKeyword /\v<(seed|expect|export|to|sweep|in|import)>(\s*:)@!/

" Declarations and the names they define.
syn match mlflowKeyword /\v<pipeline>(\s*:)@!/ nextgroup=mlflowDefinition skipwhite skipnl
syn match mlflowDeclaration /\v<(dataset|augment|model|stage)>(\s*:)@!/ nextgroup=mlflowDefinition skipwhite skipnl
syn match mlflowDefinition /\h\w*/ contained
syn match mlflowKeyword /\v<sweep>(\s*:)@!/ nextgroup=mlflowSweepVariable skipwhite skipnl
syn match mlflowSweepVariable /\h\w*/ contained
syn match mlflowDeclaration /\v<param>(\s*:)@!/ nextgroup=mlflowParamName skipwhite skipnl
syn match mlflowParamName /\h\w*/ contained nextgroup=mlflowParamColon skipwhite skipnl
syn match mlflowParamColon /:/ contained nextgroup=mlflowParamType skipwhite skipnl
syn match mlflowParamType /\v\[?\s*\h\w*\s*\]?/ contained

hi def link mlflowError         Error
hi def link mlflowTodo          Todo
hi def link mlflowComment       Comment
hi def link mlflowString        String
hi def link mlflowEscape        SpecialChar
hi def link mlflowBadEscape     Error
hi def link mlflowInteger       Number
hi def link mlflowFloat         Float
hi def link mlflowOperator      Operator
hi def link mlflowArgument      Identifier
hi def link mlflowMember        Identifier
hi def link mlflowOp            Function
hi def link mlflowBoolean       Boolean
hi def link mlflowLogical       Operator
hi def link mlflowKeyword       Keyword
hi def link mlflowDeclaration   Structure
hi def link mlflowDefinition    Identifier
hi def link mlflowSweepVariable Identifier
hi def link mlflowParamName     Constant
hi def link mlflowParamColon    Delimiter
hi def link mlflowParamType     Type

let b:current_syntax = 'mlflow'

let &cpo = s:cpo_save
unlet s:cpo_save
