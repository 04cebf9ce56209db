// Where `mlf run` and `mlf replay` write what they are doing: finished lines and, on a
// terminal, one status line kept below them and redrawn in place.
//
// Takes: an output stream, whether it is a terminal, and the terminal's width.
// Promises: calls from any number of threads never interleave mid-line (one lock). On a
// terminal, status(text) replaces the status line in place ("\r", erase to the end of the
// line), cut to width − 1 columns so it never wraps; line(text) erases the status line,
// writes the line and redraws the status below it; clear() erases the status line, which
// then stays off until the next status(). Not on a terminal, status() writes nothing: the
// output is plain lines only, fit for logs and pipes.
// Does not: decide what to say or how often (the executor does).
#pragma once

#include <cstddef>
#include <mutex>
#include <ostream>
#include <string>

namespace mlf::runtime {

class ProgressConsole {
 public:
  ProgressConsole(std::ostream& out, bool terminal, std::size_t width = 80);

  // stderr, a terminal when isatty(2) says so, the width from the terminal (80 if unknown).
  static ProgressConsole for_stderr();

  bool terminal() const { return terminal_; }
  void line(const std::string& text);
  void status(const std::string& text);
  void clear();

 private:
  void erase_status();  // the lock is held

  std::ostream& out_;
  const bool terminal_;
  const std::size_t width_;
  std::string status_;  // as drawn; empty when none is shown
  std::mutex mutex_;
};

}  // namespace mlf::runtime
