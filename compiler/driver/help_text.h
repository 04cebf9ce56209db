// The text of `mlf --help` and `mlf COMMAND --help`.
#pragma once

#include <string>

namespace mlf::driver {

std::string help_text(const std::string& command);  // "" → the overview
std::string usage_line(const std::string& command);

}  // namespace mlf::driver
