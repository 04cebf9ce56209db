#include "runtime/exec/progress_console.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <iostream>

namespace mlf::runtime {

namespace {

constexpr const char* kEraseLine = "\r\033[K";

// At most `columns` characters of `text`, never cutting a UTF-8 sequence in two.
std::string cut_to_columns(const std::string& text, std::size_t columns) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool starts_character = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_character && count++ == columns) return text.substr(0, i);
  }
  return text;
}

}  // namespace

ProgressConsole::ProgressConsole(std::ostream& out, bool terminal, std::size_t width)
    : out_(out), terminal_(terminal), width_(width < 2 ? 2 : width) {}

ProgressConsole ProgressConsole::for_stderr() {
  bool terminal = ::isatty(STDERR_FILENO) == 1;
  std::size_t width = 80;
  winsize size{};
  if (terminal && ::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    width = size.ws_col;
  return ProgressConsole(std::cerr, terminal, width);
}

void ProgressConsole::erase_status() {
  if (!status_.empty()) out_ << kEraseLine;
}

void ProgressConsole::line(const std::string& text) {
  std::lock_guard lock(mutex_);
  // One insertion per call: stderr is unbuffered, and a write per piece costs a system call.
  std::string out = status_.empty() ? std::string() : kEraseLine;
  out.reserve(out.size() + text.size() + 1 + status_.size());
  out += text;
  out += '\n';
  out += status_;
  out_ << out;
  out_.flush();
}

void ProgressConsole::status(const std::string& text) {
  if (!terminal_) return;
  std::lock_guard lock(mutex_);
  std::string drawn = cut_to_columns(text, width_ - 1);
  if (drawn.empty()) {
    erase_status();
  } else {
    out_ << kEraseLine << drawn;
  }
  status_ = drawn;
  out_.flush();
}

void ProgressConsole::clear() { status(""); }

}  // namespace mlf::runtime
