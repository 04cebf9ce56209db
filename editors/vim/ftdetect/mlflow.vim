" .mlflow experiment files (mlf)
autocmd BufRead,BufNewFile *.mlflow setfiletype mlflow
