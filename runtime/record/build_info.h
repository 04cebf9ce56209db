// Which mlf produced a result: the version and, when the build knew it, the git commit
// (with "+changes" when the working tree differed from it). Fixed at build time by a
// generated header (scripts/write_build_info.cmake), so asking costs nothing at run time.
// Run records keep both in their environment (`mlf`, `mlf_commit`); `mlf lineage` and
// `mlf --version` print them.
#pragma once

#include <string>

namespace mlf::runtime {

std::string mlf_version();  // "0.1.0"
std::string mlf_commit();   // "f839407abcde", "f839407abcde+changes", or "" when unknown
// "mlf 0.1.0 (commit f839407abcde)", or "mlf 0.1.0" when the commit is unknown.
std::string mlf_version_line();

}  // namespace mlf::runtime
