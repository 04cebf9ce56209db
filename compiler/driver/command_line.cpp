#include "compiler/driver/command_line.h"

namespace mlf::driver {

std::optional<std::string> ParsedArgs::value(const std::string& flag) const {
  auto it = values.find(flag);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::optional<std::string> parse_args(const std::vector<std::string>& args,
                                      const std::vector<FlagSpec>& flags, ParsedArgs& out) {
  bool only_positional = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-') {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::string name = arg, inline_value;
    bool has_inline = false;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
      has_inline = true;
    }
    const FlagSpec* spec = nullptr;
    for (const auto& f : flags)
      if (f.name == name || (!f.alias.empty() && f.alias == name)) spec = &f;
    // A short option with its value attached, as in `-j2`.
    if (!spec && arg[1] != '-' && arg.size() > 2)
      for (const auto& f : flags)
        if (f.takes_value && f.alias == arg.substr(0, 2)) {
          spec = &f;
          name = f.alias;
          inline_value = arg.substr(2);
          has_inline = true;
        }
    if (!spec) return "unknown option `" + name + "`";
    if (!spec->takes_value) {
      if (has_inline) return "option `" + spec->name + "` takes no value";
      out.values[spec->name].push_back("");
      continue;
    }
    std::string value;
    if (has_inline) {
      value = inline_value;
    } else {
      if (i + 1 >= args.size()) return "option `" + name + "` needs a value";
      value = args[++i];
    }
    if (!spec->repeatable && out.values.count(spec->name))
      return "option `" + spec->name + "` is given twice";
    out.values[spec->name].push_back(value);
  }
  return std::nullopt;
}

}  // namespace mlf::driver
