// Collects diagnostics from every stage of one compilation.
//
// Promises: all diagnostics of a run are kept, then sorted by file, position and code, with
// exact duplicates dropped, and capped at a limit (the cut is itself reported); error count
// is available at any time so later stages can decide whether to go on.
// Does not: render (renderers take the sorted list).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "compiler/diagnostics/diagnostic.h"

namespace mlf {

class DiagnosticEngine;

// Builds one diagnostic fluently, then emits it into the engine on emit() (or destruction).
class DiagnosticBuilder {
 public:
  DiagnosticBuilder(DiagnosticEngine& engine, DiagnosticKind kind, Span span, std::string message);
  DiagnosticBuilder(DiagnosticBuilder&& other) noexcept;
  DiagnosticBuilder(const DiagnosticBuilder&) = delete;
  ~DiagnosticBuilder();

  // On a temporary the chain stays a temporary, so `auto b = report(...).note(...)` moves it.
  DiagnosticBuilder& primary_label(std::string text) &;
  DiagnosticBuilder& label(Span span, std::string text) &;
  DiagnosticBuilder& note(std::string text) &;
  DiagnosticBuilder& help(std::string text) &;
  DiagnosticBuilder&& primary_label(std::string text) && { return std::move(primary_label(std::move(text))); }
  DiagnosticBuilder&& label(Span span, std::string text) && { return std::move(label(span, std::move(text))); }
  DiagnosticBuilder&& note(std::string text) && { return std::move(note(std::move(text))); }
  DiagnosticBuilder&& help(std::string text) && { return std::move(help(std::move(text))); }
  void emit();

 private:
  DiagnosticEngine* engine_;
  Diagnostic diagnostic_;
};

class DiagnosticEngine {
 public:
  explicit DiagnosticEngine(std::size_t limit = 100) : limit_(limit) {}

  DiagnosticBuilder report(DiagnosticKind kind, Span span, std::string message) {
    return DiagnosticBuilder(*this, kind, span, std::move(message));
  }
  void add(Diagnostic diagnostic);

  std::size_t error_count() const { return errors_; }
  std::size_t warning_count() const { return warnings_; }
  bool has_errors() const { return errors_ > 0; }

  // Sorted, deduplicated and capped.
  std::vector<Diagnostic> sorted() const;
  std::size_t limit() const { return limit_; }
  std::size_t total() const { return diagnostics_.size(); }

 private:
  std::size_t limit_;
  std::size_t errors_ = 0;
  std::size_t warnings_ = 0;
  std::vector<Diagnostic> diagnostics_;
};

// The nearest candidate to `name` by edit distance, or "" when none is close enough to help.
std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace mlf
