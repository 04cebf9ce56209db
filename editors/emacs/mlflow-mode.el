;;; mlflow-mode.el --- Major mode for mlf's .mlflow experiment files  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "26.1"))
;; Keywords: languages

;;; Commentary:

;; Font-lock, comments and indentation for .mlflow files, the pipeline language of mlf
;; (grammar/Mlflow.g4; docs/language.md is the reference).  Diagnostics, completion and
;; formatting come from the language server, `mlf lsp': with eglot,
;;
;;   (add-to-list 'eglot-server-programs '(mlflow-mode "mlf" "lsp"))

;;; Code:

(defgroup mlflow nil
  "Editing .mlflow experiment files."
  :group 'languages
  :prefix "mlflow-")

(defcustom mlflow-indent-offset 2
  "Indentation of the elements of a bracket that ends its line.
`mlf fmt' writes two spaces."
  :type 'integer
  :safe #'integerp)

(defface mlflow-argument-face '((t :inherit font-lock-variable-name-face))
  "Face for the names of arguments, `name:' in a call.")

(defface mlflow-escape-face '((t :inherit font-lock-constant-face))
  "Face for the escapes of strings: \\\" \\\\ \\n \\t.")

(defconst mlflow-op-names
  (split-string "accuracy|adam|adamw|avg_pool|batch_norm|brightness|clamp|concat|confusion|contrast|conv2d|cosine|cross_entropy|csv|cutout|dropout|evaluate|flatten|gaussian_noise|gelu|idx|image_folder|linear|loss|macro_f1|max_pool|mixup|mse|normalize|npy|random_affine|random_crop|random_hflip|random_vflip|relu|residual|sequential|sgd|shuffle|sigmoid|split|step|take|tanh|to_float|train" "|")
  "The op catalogue's names (stdlib/).
tests/unit/editor_op_lists_test.cpp keeps this list equal to the catalogue.")

(defconst mlflow-keywords
  '("pipeline" "seed" "param" "dataset" "augment" "model" "stage" "expect" "export" "to"
    "sweep" "in" "import" "and" "or" "not")
  "The keywords of the language; `true' and `false' are constants.")

(defconst mlflow--identifier "[A-Za-z_][A-Za-z0-9_]*")

(defconst mlflow--number
  (concat "\\(?:[0-9]+\\.[0-9]*\\|\\.[0-9]+\\|[0-9]+\\)"
          "\\(?:[eE][-+]?[0-9]+\\)?")
  "42, 1.5, .5, 1., 1e-3, 2.5E+4.")

(defvar mlflow-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?# "<" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?_ "_" table)
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    (dolist (char '(?+ ?- ?* ?/ ?< ?> ?= ?! ?| ?. ?, ?: ?@ ?$ ?% ?& ?' ?` ?~ ?^ ?? ?\;))
      (modify-syntax-entry char "." table))
    table)
  "Syntax table for `mlflow-mode'.")

(defun mlflow--search (regexp limit accept)
  "Search for REGEXP before LIMIT until ACCEPT returns non-nil.
ACCEPT is called with the match data of each match."
  (let (found)
    (while (and (not found) (re-search-forward regexp limit t))
      (setq found (save-match-data (save-excursion (funcall accept)))))
    found))

(defun mlflow--in-code-p (position)
  "Whether POSITION is outside strings and comments."
  (not (nth 8 (syntax-ppss position))))

(defun mlflow--match-number (limit)
  "A number before LIMIT that is not part of a name or of another number."
  (mlflow--search mlflow--number limit
                  (lambda ()
                    (let ((start (match-beginning 0)) (end (match-end 0)))
                      (and (mlflow--in-code-p start)
                           (not (memq (char-before start) '(?. ?_)))
                           (not (and (char-before start)
                                     (string-match-p "[A-Za-z0-9]"
                                                     (string (char-before start)))))
                           (not (and (char-after end)
                                     (string-match-p "[A-Za-z0-9_.]"
                                                     (string (char-after end))))))))))

(defun mlflow--match-op (limit)
  "An op name before LIMIT.
A name piped (`train |> prep') or accessed (`fit.x') is a binding, not the op."
  (mlflow--search (concat "\\_<" (regexp-opt mlflow-op-names t) "\\_>") limit
                  (lambda ()
                    (let ((start (match-beginning 0)) (end (match-end 0)))
                      (and (mlflow--in-code-p start)
                           (progn (goto-char start)
                                  (skip-chars-backward " \t")
                                  (not (eq (char-before) ?.)))
                           (progn (goto-char end)
                                  (not (looking-at "[ \t]*\\(?:|>\\|\\.\\|:\\)"))))))))

(defun mlflow--match-escape (limit)
  "A backslash escape inside a string before LIMIT."
  (mlflow--search "\\\\.?" limit
                  (lambda () (nth 3 (syntax-ppss (match-beginning 0))))))

(defun mlflow--escape-face ()
  "The face of the escape just matched: the language knows \\\" \\\\ \\n \\t only."
  (if (string-match-p "\\`\\\\[\"\\\\nt]\\'" (match-string 0))
      'mlflow-escape-face
    'font-lock-warning-face))

(defun mlflow--match-invalid (limit)
  "A character before LIMIT that no token accepts."
  (mlflow--search "[^][ \t\n\r\fA-Za-z0-9_\"#(){},:=.|+*/<>!-]" limit
                  (lambda () (mlflow--in-code-p (match-beginning 0)))))

(defconst mlflow-font-lock-keywords
  (let ((name mlflow--identifier))
    `(;; param NAME: TYPE, before argument names: `epochs:' here is not an argument.
      (,(concat "\\_<\\(param\\)\\_>[ \t]+\\(" name "\\)[ \t]*:[ \t]*\\(\\[?[ \t]*"
                name "[ \t]*\\]?\\)")
       (1 font-lock-keyword-face) (2 font-lock-variable-name-face) (3 font-lock-type-face))
      ;; `name: value' in a call; keywords may name arguments too (`model: cnn').
      (,(concat "\\(" name "\\)[ \t]*:") (1 'mlflow-argument-face))
      (,(concat "\\_<\\(dataset\\|augment\\|model\\|stage\\)\\_>[ \t]+\\(" name "\\)")
       (1 font-lock-keyword-face) (2 font-lock-function-name-face))
      (,(concat "\\_<\\(pipeline\\)\\_>[ \t]+\\(" name "\\)")
       (1 font-lock-keyword-face) (2 font-lock-type-face))
      (,(concat "\\_<\\(sweep\\)\\_>[ \t]+\\(" name "\\)\\(?:[ \t]+\\(in\\)\\_>\\)?")
       (1 font-lock-keyword-face) (2 font-lock-variable-name-face)
       (3 font-lock-keyword-face nil t))
      (,(concat "\\_<" (regexp-opt mlflow-keywords t) "\\_>") . font-lock-keyword-face)
      ("\\_<\\(true\\|false\\)\\_>" . font-lock-constant-face)
      (mlflow--match-number . font-lock-constant-face)
      (mlflow--match-op . font-lock-builtin-face)
      (mlflow--match-escape (0 (mlflow--escape-face) prepend))
      (mlflow--match-invalid . font-lock-warning-face)))
  "Font-lock rules for `mlflow-mode'; earlier rules win.")

(defun mlflow--syntax-propertize (start end)
  "End strings between START and END at the end of their line.
The language has no raw newline in a string."
  (goto-char start)
  (while (re-search-forward "\n" end t)
    (let ((state (save-excursion (syntax-ppss (match-beginning 0)))))
      (when (and (nth 3 state) (not (eq (char-before (match-beginning 0)) ?\\)))
        ;; The opening quote and this line end become string fences: the string stops here.
        (put-text-property (nth 8 state) (1+ (nth 8 state))
                           'syntax-table (string-to-syntax "|"))
        (put-text-property (match-beginning 0) (match-end 0)
                           'syntax-table (string-to-syntax "|"))
        (syntax-ppss-flush-cache (nth 8 state))))))

(defun mlflow--indentation ()
  "The indentation of the current line, or nil inside a string."
  (save-excursion
    (back-to-indentation)
    (let* ((state (syntax-ppss))
           (open (nth 1 state))
           (closing (looking-at "[])}]")))
      (cond
       ((nth 3 state) nil)
       ((null open) 0)
       (t
        (goto-char open)
        (if (looking-at ".[ \t]*\\(?:#.*\\)?$")
            ;; The bracket ends its line: one step in from the line that opens it.
            (+ (current-indentation) (if closing 0 mlflow-indent-offset))
          ;; Elements follow the bracket: align with the first of them.
          (if closing
              (current-column)
            (forward-char 1)
            (skip-chars-forward " \t")
            (current-column))))))))

(defun mlflow-indent-line ()
  "Indent the current line by its bracket depth."
  (interactive)
  (let ((target (mlflow--indentation)))
    (when target
      (if (<= (current-column) (current-indentation))
          (indent-line-to target)
        (save-excursion (indent-line-to target))))))

;;;###autoload
(define-derived-mode mlflow-mode prog-mode "mlflow"
  "Major mode for editing .mlflow experiment files of mlf."
  :syntax-table mlflow-mode-syntax-table
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "#+[ \t]*")
  (setq-local comment-end "")
  (setq-local indent-tabs-mode nil)
  (setq-local indent-line-function #'mlflow-indent-line)
  (setq-local electric-indent-chars (append "])}" electric-indent-chars))
  (setq-local syntax-propertize-function #'mlflow--syntax-propertize)
  (setq-local font-lock-defaults '(mlflow-font-lock-keywords)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.mlflow\\'" . mlflow-mode))

(provide 'mlflow-mode)

;;; mlflow-mode.el ends here
