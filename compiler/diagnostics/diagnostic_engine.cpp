#include "compiler/diagnostics/diagnostic_engine.h"

#include <algorithm>
#include <tuple>

namespace mlf {

namespace {

const std::vector<DiagnosticKindInfo>& registry() {
  static const std::vector<DiagnosticKindInfo> kinds = {
#define DIAGNOSTIC(Name, code, severity, title) \
  {DiagnosticKind::Name, #Name, code, Severity::severity, title},
#include "compiler/diagnostics/diagnostic_kinds.def"
#undef DIAGNOSTIC
  };
  return kinds;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<DiagnosticKindInfo>& all_diagnostic_kinds() { return registry(); }

const DiagnosticKindInfo& info(DiagnosticKind kind) {
  return registry().at(static_cast<std::size_t>(kind));
}

std::string code_string(DiagnosticKind kind) {
  std::string digits = std::to_string(info(kind).code);
  return "MLF" + std::string(4 - std::min<std::size_t>(4, digits.size()), '0') + digits;
}

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

DiagnosticBuilder::DiagnosticBuilder(DiagnosticEngine& engine, DiagnosticKind kind, Span span,
                                     std::string message)
    : engine_(&engine) {
  diagnostic_.kind = kind;
  diagnostic_.severity = info(kind).severity;
  diagnostic_.message = std::move(message);
  diagnostic_.primary = span;
}

DiagnosticBuilder::DiagnosticBuilder(DiagnosticBuilder&& other) noexcept
    : engine_(other.engine_), diagnostic_(std::move(other.diagnostic_)) {
  other.engine_ = nullptr;
}

DiagnosticBuilder::~DiagnosticBuilder() { emit(); }

DiagnosticBuilder& DiagnosticBuilder::primary_label(std::string text) & {
  diagnostic_.primary_label = std::move(text);
  return *this;
}
DiagnosticBuilder& DiagnosticBuilder::label(Span span, std::string text) & {
  diagnostic_.labels.push_back({span, std::move(text)});
  return *this;
}
DiagnosticBuilder& DiagnosticBuilder::note(std::string text) & {
  diagnostic_.notes.push_back(std::move(text));
  return *this;
}
DiagnosticBuilder& DiagnosticBuilder::help(std::string text) & {
  diagnostic_.help = std::move(text);
  return *this;
}
void DiagnosticBuilder::emit() {
  if (!engine_) return;
  engine_->add(std::move(diagnostic_));
  engine_ = nullptr;
}

void DiagnosticEngine::add(Diagnostic diagnostic) {
  if (diagnostic.severity == Severity::Error) ++errors_;
  if (diagnostic.severity == Severity::Warning) ++warnings_;
  diagnostics_.push_back(std::move(diagnostic));
}

std::vector<Diagnostic> DiagnosticEngine::sorted() const {
  std::vector<Diagnostic> out = diagnostics_;
  auto key = [](const Diagnostic& d) {
    return std::make_tuple(d.primary.file, d.primary.begin, d.primary.end,
                           info(d.kind).code, d.message);
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end(),
                        [&](const Diagnostic& a, const Diagnostic& b) { return key(a) == key(b); }),
            out.end());
  if (out.size() > limit_) out.resize(limit_);
  return out;
}

std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = static_cast<std::size_t>(-1);
  for (const auto& candidate : candidates) {
    if (candidate == name) continue;
    std::size_t distance = edit_distance(name, candidate);
    if (distance < best_distance || (distance == best_distance && candidate < best)) {
      best_distance = distance;
      best = candidate;
    }
  }
  // Close enough to be a typo: at most a third of the name's length, and at least one edit.
  std::size_t allowed = std::max<std::size_t>(1, (name.size() + 2) / 3);
  return best_distance <= allowed ? best : std::string();
}

}  // namespace mlf
