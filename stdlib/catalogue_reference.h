// The op catalogue as text for people: the reference page docs/ops.md and `mlf ops`.
//
// Takes: the catalogue. Promises: deterministic output (ops grouped by kind in a fixed order,
// sorted by name within a kind; parameters in catalogue order), so docs/ops.md can be
// compared byte for byte with a fresh rendering (tests/unit/ops_reference_test.cpp).
#pragma once

#include <string>

#include "stdlib/catalogue.h"

namespace mlf {

// The whole reference as Markdown.
std::string render_catalogue_markdown(const Catalogue& catalogue);

// One op as plain text: signature line, summary, one line per parameter.
std::string render_op_text(const OpSpec& op);

// `name(param: type = default, ...)`, as written in a .mlflow file.
std::string op_signature(const OpSpec& op);

// A parameter's default as source text ("0.5", "\"hash\"", "[1, 1]"); "" when required.
std::string default_text(const ParamSpec& param);

// A bound or default as docs and hover show it: whole numbers in digits (1000000, not
// 1e+06), others in the canonical float spelling.
std::string number_text(double value);

// The accepted range of a number parameter ("≥ 0", "in (0, 1)"), or its choices; "" if none.
std::string constraint_text(const ParamSpec& param);

}  // namespace mlf
