;;; check-mlflow-mode.el --- Batch checks of mlflow-mode  -*- lexical-binding: t; -*-

;; emacs -Q --batch -l editors/emacs/mlflow-mode.el -l editors/emacs/test/check-mlflow-mode.el \
;;     FILE.mlflow ...
;;
;; A file with scope assertions (editors/vscode/test/*.test.mlflow, `# SYNTAX TEST' on its first
;; line): each asserted TextMate scope maps to the face expected at that column, so Emacs is
;; held to the same expectations as the VS Code grammar.  Any other file (the examples): it
;; opens in mlflow-mode, fontifies without an error or a warning face, and indenting it
;; reproduces it (the examples are formatted by `mlf fmt').  Exits non-zero on a mismatch.

;;; Code:

(require 'mlflow-mode)
(require 'subr-x)

(defconst check-mlflow--faces
  '(("punctuation.definition.comment" . font-lock-comment-delimiter-face)
    ("punctuation." . skip)
    ("comment." . font-lock-comment-face)
    ("constant.character.escape" . mlflow-escape-face)
    ("invalid.illegal" . font-lock-warning-face)
    ("string.quoted" . font-lock-string-face)
    ("constant." . font-lock-constant-face)
    ("support.function.op" . font-lock-builtin-face)
    ("support.type" . font-lock-type-face)
    ("entity.name.function.call" . nil)
    ("entity.name.type" . font-lock-type-face)
    ("entity.name.function" . font-lock-function-name-face)
    ("variable.parameter.sweep" . font-lock-variable-name-face)
    ("variable.parameter.argument" . mlflow-argument-face)
    ("variable.other.constant.param" . font-lock-variable-name-face)
    ("variable.other" . nil)
    ("storage.type" . font-lock-keyword-face)
    ("keyword.operator.logical" . font-lock-keyword-face)
    ("keyword.operator" . nil)
    ("keyword." . font-lock-keyword-face)
    ("source." . skip))
  "Scope prefix to the face Emacs must show (nil: none).
`skip' moves on to the scope before it in the assertion.  The first prefix that matches
wins, so specific prefixes come first.")

(defun check-mlflow--expected (scopes)
  "The face SCOPES (most specific last) call for, or `skip'."
  (catch 'face
    (dolist (scope (reverse scopes))
      (let ((entry (seq-find (lambda (entry) (string-prefix-p (car entry) scope))
                             check-mlflow--faces)))
        (when (and entry (not (eq (cdr entry) 'skip)))
          (throw 'face (cdr entry)))))
    'skip))

(defun check-mlflow--face-at (position)
  "The face at POSITION; the first one when several are stacked."
  (let ((face (get-text-property position 'face)))
    (if (consp face) (car face) face)))

(defun check-mlflow--assertions (file)
  "Mismatches between the faces of FILE and its scope assertions; also how many were checked."
  (let ((failures nil) (checked 0) (source nil))
    (goto-char (point-min))
    (while (not (eobp))
      (let ((text (buffer-substring-no-properties (line-beginning-position) (line-end-position))))
        (if (not (string-match "^#[ \t]*\\(\\^+\\|<-+\\)[ \t]+\\(.*\\)$" text))
            (setq source (line-beginning-position))
          (let* ((marks (match-string 1 text))
                 (assertion (match-string 2 text))
                 (scopes (split-string assertion))
                 (expected (check-mlflow--expected scopes))
                 (first (if (eq (aref marks 0) ?^) (string-match "\\^" text) 0))
                 (last (if (eq (aref marks 0) ?^) (+ first (length marks) -1) 0)))
            (unless (eq expected 'skip)
              (catch 'next
                (dotimes (offset (1+ (- last first)))
                  (let* ((column (+ first offset))
                         (actual (check-mlflow--face-at (+ source column))))
                    (setq checked (1+ checked))
                    (unless (eq actual expected)
                      (push (format "%s:%d:%d: expected %s, found %s (%s)" file
                                    (line-number-at-pos source) (1+ column)
                                    (or expected "no face") (or actual "no face")
                                    assertion)
                            failures)
                      (throw 'next nil))))))))
        (forward-line 1)))
    (cons (nreverse failures) checked)))

(defun check-mlflow--example (file)
  "Problems with FILE as an ordinary source: warning faces, or indentation that differs."
  (let ((failures nil) (original (buffer-substring-no-properties (point-min) (point-max))))
    (goto-char (point-min))
    (while (< (point) (point-max))
      (when (eq (check-mlflow--face-at (point)) 'font-lock-warning-face)
        (push (format "%s:%d: warning face on %S" file (line-number-at-pos)
                      (string (char-after)))
              failures))
      (forward-char 1))
    (let ((inhibit-message t)) (indent-region (point-min) (point-max)))
    (let ((indented (buffer-substring-no-properties (point-min) (point-max))))
      (unless (string= original indented)
        (let ((line 1) (old (split-string original "\n")) (new (split-string indented "\n")))
        (while (and old (string= (car old) (car new)))
          (setq old (cdr old) new (cdr new) line (1+ line)))
          (push (format "%s:%d: indenting changes %S into %S" file line (car old) (car new))
                failures))))
    (nreverse failures)))

(let ((failures nil) (files command-line-args-left) (checked 0))
  (setq command-line-args-left nil)
  (unless files (push "no files given" failures))
  (dolist (file files)
    (with-current-buffer (find-file-noselect file)
      (if (not (eq major-mode 'mlflow-mode))
          (push (format "%s: opens in %s, not mlflow-mode" file major-mode) failures)
        (font-lock-ensure)
        (if (save-excursion (goto-char (point-min)) (looking-at "# SYNTAX TEST"))
            (let ((result (check-mlflow--assertions file)))
              (setq failures (append failures (car result)) checked (+ checked (cdr result))))
          (setq failures (append failures (check-mlflow--example file)))))
      (set-buffer-modified-p nil)
      (kill-buffer)))
  (if failures
      (progn (dolist (failure failures) (message "%s" failure))
             (kill-emacs 1))
    (message "emacs mode: %d files, %d asserted columns as expected" (length files) checked)))

;;; check-mlflow-mode.el ends here
