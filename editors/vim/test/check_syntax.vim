" Checks syntax/mlflow.vim against the scope assertions of the VS Code grammar tests
" (editors/vscode/test/*.test.mlflow): each asserted TextMate scope maps to the Vim syntax
" group expected at that column, so both editors are held to one set of expectations.
"
"   vim -Nu NONE -i NONE -es --cmd 'set rtp^=editors/vim' [--cmd 'let g:check_output = "FILE"'] \
"       -S editors/vim/test/check_syntax.vim editors/vscode/test/*.test.mlflow
" Any other file (the examples) must have no column highlighted as an error.
" Exits non-zero when a column is highlighted wrongly. The result goes to g:check_output, or
" to the terminal: Vim cannot share a redirected stdout or stderr with the calling shell.

set nomore
filetype plugin on
syntax on

" Scope prefix → the group Vim must show ('' = none). 'skip' moves on to the scope before
" it in the assertion, so `string.quoted.double punctuation.definition.string.begin` expects
" the string group. The first prefix that matches wins: specific ones come first.
let s:groups = [
      \ ['punctuation.definition.comment', 'mlflowComment'],
      \ ['punctuation.separator.type', 'mlflowParamColon'],
      \ ['punctuation.', 'skip'],
      \ ['comment.', 'mlflowComment'],
      \ ['constant.character.escape', 'mlflowEscape'],
      \ ['invalid.illegal.unknown-escape', 'mlflowBadEscape'],
      \ ['invalid.illegal.character', 'mlflowError'],
      \ ['string.quoted', 'mlflowString'],
      \ ['constant.numeric.integer', 'mlflowInteger'],
      \ ['constant.numeric.float', 'mlflowFloat'],
      \ ['constant.language.boolean', 'mlflowBoolean'],
      \ ['support.function.op', 'mlflowOp'],
      \ ['support.type', 'mlflowParamType'],
      \ ['entity.name.function.call', ''],
      \ ['entity.name.', 'mlflowDefinition'],
      \ ['variable.parameter.sweep', 'mlflowSweepVariable'],
      \ ['variable.parameter.argument', 'mlflowArgument'],
      \ ['variable.other.member', 'mlflowMember'],
      \ ['variable.other.constant.param', 'mlflowParamName'],
      \ ['variable.other', ''],
      \ ['storage.type', 'mlflowDeclaration'],
      \ ['keyword.operator.logical', 'mlflowLogical'],
      \ ['keyword.operator', 'mlflowOperator'],
      \ ['keyword.', 'mlflowKeyword'],
      \ ['source.', 'skip'],
      \ ]

function! s:Expected(scopes) abort
  for scope in reverse(copy(a:scopes))
    for [prefix, group] in s:groups
      if stridx(scope, prefix) == 0
        if group !=# 'skip'
          return group
        endif
        break
      endif
    endfor
  endfor
  return 'skip'
endfunction

let s:failures = []
let s:checked = 0
for s:file in argv()
  execute 'edit' fnameescape(s:file)
  if &filetype !=# 'mlflow'
    call add(s:failures, s:file . ': filetype is "' . &filetype . '", not mlflow')
    continue
  endif
  if getline(1) !~# '^# SYNTAX TEST'
    " An ordinary source: no column may be highlighted as an error.
    for s:lnum in range(1, line('$'))
      for s:col in range(1, strlen(getline(s:lnum)))
        let s:checked += 1
        let s:actual = synIDattr(synID(s:lnum, s:col, 1), 'name')
        if s:actual =~# 'Error$'
          call add(s:failures, printf('%s:%d:%d: %s', s:file, s:lnum, s:col, s:actual))
        endif
      endfor
    endfor
    continue
  endif
  let s:source = 0
  for s:lnum in range(1, line('$'))
    let s:text = getline(s:lnum)
    let s:assertion = matchlist(s:text, '^#\s*\(\^\+\|<-\+\)\s\+\(.*\)$')
    if empty(s:assertion)
      let s:source = s:lnum
      continue
    endif
    let s:expected = s:Expected(split(s:assertion[2]))
    if s:expected ==# 'skip'
      continue
    endif
    if s:assertion[1][0] ==# '^'
      let s:first = stridx(s:text, '^') + 1
      let s:last = s:first + strlen(s:assertion[1]) - 1
    else
      let [s:first, s:last] = [1, 1]
    endif
    for s:col in range(s:first, s:last)
      let s:checked += 1
      let s:actual = synIDattr(synID(s:source, s:col, 1), 'name')
      if s:actual !=# s:expected
        call add(s:failures, printf('%s:%d:%d: expected %s, found %s (%s)', s:file, s:source,
              \ s:col, empty(s:expected) ? 'no group' : s:expected,
              \ empty(s:actual) ? 'no group' : s:actual, s:assertion[2]))
        break
      endif
    endfor
  endfor
endfor

if s:checked == 0
  call add(s:failures, 'no assertions checked')
endif
let s:report = empty(s:failures)
      \ ? [printf('vim syntax: %d columns of %d files as expected', s:checked, argc())]
      \ : s:failures
call writefile(s:report, get(g:, 'check_output', '/dev/tty'))
if !empty(s:failures)
  cquit
endif
qall!
