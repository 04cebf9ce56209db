// Renders diagnostics for people, in the layout rustc made familiar:
//
//   error[MLF0208]: stage `score` has no field `acuracy`
//     --> fashion.mlflow:34:14
//      |
//   34 | expect score.acuracy >= 0.90
//      |              ^^^^^^^ unknown field
//      |
//      = help: a field named `accuracy` exists
//
// Colour (ANSI) only when asked, which the driver does only on a terminal.
#pragma once

#include <string>
#include <vector>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source_file.h"

namespace mlf {

std::string render_text(const Diagnostic& diagnostic, const SourceMap& sources, bool color);
std::string render_text(const std::vector<Diagnostic>& diagnostics, const SourceMap& sources,
                        bool color);

}  // namespace mlf
