// Diagnostics as data.
//
// Takes: what a stage found wrong, with the spans it concerns.
// Promises: every diagnostic has a registered kind (stable code and severity), a message, a
// primary span, optional secondary labels, notes and a help line; renderers (text, JSON,
// language server) read only this structure.
// Does not: print anything (see text_renderer.h and json_renderer.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source/source_file.h"

namespace mlf {

enum class Severity { Error, Warning, Note };

enum class DiagnosticKind : std::uint16_t {
#define DIAGNOSTIC(Name, code, severity, title) Name,
#include "compiler/diagnostics/diagnostic_kinds.def"
#undef DIAGNOSTIC
};

struct DiagnosticKindInfo {
  DiagnosticKind kind;
  std::string_view name;
  int code;
  Severity severity;
  std::string_view title;
};

const std::vector<DiagnosticKindInfo>& all_diagnostic_kinds();
const DiagnosticKindInfo& info(DiagnosticKind kind);
std::string code_string(DiagnosticKind kind);  // "MLF0203"
std::string_view severity_name(Severity severity);

struct Label {
  Span span;
  std::string message;
};

struct Diagnostic {
  DiagnosticKind kind;
  Severity severity;
  std::string message;
  Span primary;
  std::string primary_label;  // text under the carets; may be empty
  std::vector<Label> labels;  // secondary spans ("expected because of this")
  std::vector<std::string> notes;
  std::string help;
};

}  // namespace mlf
