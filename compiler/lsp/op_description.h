// Op catalogue entries as editors show them: a signature line and one line per parameter
// with its type, default and range. Read from stdlib/catalogue.h; lists nothing itself.
#pragma once

#include <string>

#include "stdlib/catalogue.h"

namespace mlf::lsp {

std::string op_signature(const OpSpec& op);     // "linear(out: int, bias: bool = true)"
std::string param_detail(const ParamSpec& param);  // "int ≥ 1 = 32" (type, range, default)
std::string op_markdown(const OpSpec& op);      // signature, summary, parameters

}  // namespace mlf::lsp
