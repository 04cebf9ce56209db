" Vim filetype plugin for .mlflow experiment files (mlf)
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

" Comments run from # to the end of the line; `mlf fmt` indents by two spaces.
setlocal commentstring=#\ %s
setlocal comments=:#
setlocal formatoptions-=t formatoptions+=croql
setlocal expandtab shiftwidth=2 softtabstop=2
setlocal iskeyword=a-z,A-Z,48-57,_

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth< softtabstop< iskeyword<'
