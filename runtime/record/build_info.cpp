#include "runtime/record/build_info.h"

#include "mlf_build_info.h"

namespace mlf::runtime {

std::string mlf_version() { return MLF_BUILD_VERSION; }

std::string mlf_commit() {
  std::string commit = MLF_BUILD_COMMIT;
  if (!commit.empty() && MLF_BUILD_COMMIT_DIRTY) commit += "+changes";
  return commit;
}

std::string mlf_version_line() {
  std::string commit = mlf_commit();
  return "mlf " + mlf_version() + (commit.empty() ? "" : " (commit " + commit + ")");
}

}  // namespace mlf::runtime
