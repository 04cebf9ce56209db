// The command line of `mlf`: a subcommand, flags and positional arguments.
//
// Promises: unknown flags and missing flag values are usage errors (exit code 2) with a
// message naming the flag; `--flag=value`, `--flag value`, `-f value` and `-fvalue` work.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlf::driver {

enum ExitCode { kOk = 0, kUserError = 1, kUsageError = 2, kInternalError = 3 };

struct FlagSpec {
  std::string name;   // "--output"
  std::string alias;  // "-o", may be empty
  bool takes_value = false;
  bool repeatable = false;
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;  // flag name → values in order
  bool has(const std::string& flag) const { return values.count(flag) > 0; }
  std::optional<std::string> value(const std::string& flag) const;
};

// Returns an error message on failure.
std::optional<std::string> parse_args(const std::vector<std::string>& args,
                                      const std::vector<FlagSpec>& flags, ParsedArgs& out);

}  // namespace mlf::driver
