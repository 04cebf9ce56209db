#include "compiler/probe/csv_probe.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <optional>
#include <set>
#include <string_view>

#include "compiler/probe/byte_stream.h"

namespace mlf::probe {
namespace {

constexpr std::size_t kReadSize = 1 << 20;
constexpr std::size_t kMaxFieldSize = 1 << 20;
constexpr std::size_t kMaxColumns = 1 << 20;
constexpr std::size_t kMaxFirstRecordBytes = 64 << 20;
constexpr std::size_t kMaxDistinctLabels = 65536;
constexpr std::size_t kMaxDistinctLabelBytes = 16 << 20;
constexpr std::size_t kListedColumns = 20;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string_view without_plus(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  return text;
}

bool parse_number(std::string_view text) {
  text = without_plus(text);
  if (text.empty()) return false;
  double value = 0;
  auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), value);
  return code == std::errc() && end == text.data() + text.size();
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  text = without_plus(text);
  std::int64_t value = 0;
  auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || code != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A cell as shown in a message: at most 40 bytes.
std::string shown(std::string_view cell) {
  if (cell.size() <= 40) return std::string(cell);
  return std::string(cell.substr(0, 40)) + "...";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

class CsvScanner {
 public:
  CsvScanner(const std::string& path, const CsvOptions& options) : path_(path), options_(options) {}

  ProbeResult<CsvSummary> run() {
    char delimiter = options_.delimiter;
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || delimiter == '\0')
      return fail("cannot be read with the delimiter " + hex_bytes(&delimiter, 1) +
                  " (a quote, line break or NUL byte)");
    auto opened = ByteStream::open(path_);
    if (!ok(opened)) return error(opened);
    ByteStream& stream = std::get<ByteStream>(opened);

    // A small file gets a small buffer: probes of many tiny files should not each pay 1 MiB.
    std::uint64_t wanted = stream.gzipped() ? kReadSize : std::max<std::uint64_t>(stream.file_size(), 1);
    std::string buffer(std::min<std::uint64_t>(wanted, kReadSize), '\0');
    bool first_chunk = true;
    while (true) {
      auto got = stream.read(buffer.data(), buffer.size());
      if (!ok(got)) return error(got);
      std::size_t size = std::get<std::size_t>(got);
      if (size == 0) break;
      std::string_view chunk(buffer.data(), size);
      if (first_chunk && chunk.substr(0, 3) == "\xEF\xBB\xBF") chunk.remove_prefix(3);
      first_chunk = false;
      for (char c : chunk) {
        if (!consume(c)) return std::move(*failure_);
      }
    }
    if (state_ == State::Quoted)
      return fail("line " + std::to_string(record_line_) + ": a quoted field is never closed");
    if (record_started_ && !(end_field() && end_record())) return std::move(*failure_);
    if (!first_record_done_)
      return fail(options_.header ? "is empty; a header line was expected" : "is empty");
    return finish();
  }

 private:
  enum class State { FieldStart, Unquoted, Quoted, QuoteInQuoted };

  // `content_free` is `detail` without any byte of the file, when `detail` quotes some.
  ProbeError fail(const std::string& detail, const std::string& content_free = "") {
    return ProbeError{ProbeError::Kind::BadFormat, in_backticks(path_) + " " + detail,
                      content_free.empty() ? "" : in_backticks(path_) + " " + content_free};
  }
  bool stop(const std::string& detail, const std::string& content_free = "") {
    failure_ = fail(detail, content_free);
    return false;
  }
  // "line 3, column 2": no header name, so it quotes nothing of the file.
  std::string position(std::size_t column) const {
    return "line " + std::to_string(record_line_) + ", column " + std::to_string(column + 1);
  }
  std::string where(std::size_t column) const {
    std::string out = position(column);
    if (column < summary_.columns.size()) out += " (" + in_backticks(summary_.columns[column]) + ")";
    return out;
  }

  // One byte of input; false when scanning must stop (failure_ is set).
  bool consume(char c) {
    if (swallow_line_feed_) {
      swallow_line_feed_ = false;
      if (c == '\n') return true;
    }
    const bool line_end = c == '\n' || c == '\r';
    switch (state_) {
      case State::FieldStart:
        if (line_end) {
          bool kept = !record_started_ || (end_field() && end_record());
          next_line(c);
          return kept;
        }
        start_record();
        if (c == '"') {
          state_ = State::Quoted;
          return true;
        }
        if (c == options_.delimiter) return end_field();
        state_ = State::Unquoted;
        return append(c);
      case State::Unquoted:
        if (c == options_.delimiter) {
          state_ = State::FieldStart;
          return end_field();
        }
        if (line_end) {
          state_ = State::FieldStart;
          bool kept = end_field() && end_record();
          next_line(c);
          return kept;
        }
        return append(c);
      case State::Quoted:
        if (c == '"') {
          state_ = State::QuoteInQuoted;
          return true;
        }
        if (c == '\n') ++line_;
        return append(c);
      case State::QuoteInQuoted:
        if (c == '"') {
          state_ = State::Quoted;
          return append(c);
        }
        if (c == options_.delimiter) {
          state_ = State::FieldStart;
          return end_field();
        }
        if (line_end) {
          state_ = State::FieldStart;
          bool kept = end_field() && end_record();
          next_line(c);
          return kept;
        }
        return stop("line " + std::to_string(line_) + ": unexpected character after the closing quote of a field");
    }
    return true;
  }

  void next_line(char c) {
    ++line_;
    if (c == '\r') swallow_line_feed_ = true;
  }

  void start_record() {
    if (!record_started_) {
      record_started_ = true;
      record_line_ = line_;
    }
  }

  bool append(char c) {
    if (field_.size() >= kMaxFieldSize)
      return stop(where(field_index_) + ": a field is longer than 1 MiB",
                  position(field_index_) + ": a field is longer than 1 MiB");
    field_ += c;
    return true;
  }

  bool end_field() {
    std::size_t column = field_index_++;
    if (!first_record_done_) {
      if (column >= kMaxColumns) return stop("line " + std::to_string(record_line_) + " has more than " +
                                             std::to_string(kMaxColumns) + " fields");
      first_record_bytes_ += field_.size();
      if (first_record_bytes_ > kMaxFirstRecordBytes)
        return stop("line " + std::to_string(record_line_) + " is longer than 64 MiB");
      first_record_.push_back(field_);
    } else if (!cell(column, field_)) {
      return false;
    }
    field_.clear();
    return true;
  }

  bool end_record() {
    std::size_t fields = field_index_;
    field_index_ = 0;
    record_started_ = false;
    if (!first_record_done_) {
      first_record_done_ = true;
      return first_record();
    }
    if (fields != summary_.columns.size())
      return stop("line " + std::to_string(record_line_) + " has " + std::to_string(fields) + " fields, expected " +
                  std::to_string(summary_.columns.size()) +
                  (options_.header ? " (as in the header)" : " (as in the first line)"));
    ++summary_.rows;
    return true;
  }

  bool first_record() {
    std::vector<std::string> record = std::move(first_record_);
    first_record_.clear();
    if (options_.header) {
      summary_.columns = record;
    } else {
      for (std::size_t i = 0; i < record.size(); ++i) summary_.columns.push_back("c" + std::to_string(i));
    }
    if (!resolve_label_column()) return false;
    if (options_.header) return true;
    for (std::size_t column = 0; column < record.size(); ++column)
      if (!cell(column, record[column])) return false;
    ++summary_.rows;
    return true;
  }

  bool resolve_label_column() {
    const std::string& name = options_.label_column;
    if (name.empty()) return true;
    const auto& columns = summary_.columns;
    std::int64_t found = -1;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] != name) continue;
      if (found >= 0)
        return stop("names the label column " + in_backticks(name) + " twice (columns " + std::to_string(found + 1) +
                    " and " + std::to_string(i + 1) + ")");
      found = static_cast<std::int64_t>(i);
    }
    if (found >= 0) {
      summary_.label_index = found;
      return true;
    }
    std::string listed;
    std::size_t best = std::string::npos, best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i < kListedColumns) listed += (i ? ", " : "") + in_backticks(columns[i]);
      std::size_t distance = edit_distance(name, columns[i]);
      if (distance < best_distance) {
        best_distance = distance;
        best = i;
      }
    }
    if (columns.size() > kListedColumns) listed += " and " + std::to_string(columns.size() - kListedColumns) + " more";
    std::string detail = "has no column " + in_backticks(name) + "; its columns are " + listed;
    if (best != std::string::npos) detail += "; the nearest is " + in_backticks(columns[best]);
    return stop(detail, "has no column " + in_backticks(name) + " in its " +
                            (options_.header ? "header (line 1)" : "first line"));
  }

  bool cell(std::size_t column, std::string_view raw) {
    if (column >= summary_.columns.size()) return true;  // a ragged record; reported at its end
    std::string_view text = trim(raw);
    if (static_cast<std::int64_t>(column) == summary_.label_index) return label(column, text);
    if (text.empty())
      return stop(where(column) + ": the cell is empty; a number was expected",
                  position(column) + ": the cell is empty; a number was expected");
    if (!parse_number(text))
      return stop(where(column) + ": " + in_backticks(shown(text)) + " is not a number",
                  position(column) + ": the cell is not a number");
    return true;
  }

  bool label(std::size_t column, std::string_view text) {
    if (text.empty()) return stop(where(column) + ": the label is empty", position(column) + ": the label is empty");
    if (integer_labels_) {
      if (std::optional<std::int64_t> value = parse_integer(text)) {
        if (*value < 0 && !first_negative_) first_negative_ = NegativeLabel{std::string(text), record_line_};
        max_label_ = std::max(max_label_, *value);
      } else {
        integer_labels_ = false;
      }
    }
    if (names_overflowed_) {
      if (!integer_labels_) return too_many_labels();
      return true;
    }
    if (distinct_.size() < kMaxDistinctLabels || distinct_.count(std::string(text))) {
      if (distinct_.insert(std::string(text)).second) distinct_bytes_ += text.size();
      if (distinct_bytes_ <= kMaxDistinctLabelBytes) return true;
    }
    names_overflowed_ = true;
    distinct_.clear();
    if (!integer_labels_) return too_many_labels();
    return true;
  }

  bool too_many_labels() {
    return stop("has more than " + std::to_string(kMaxDistinctLabels) + " distinct values (or 16 MiB of them) in the label column " +
                in_backticks(options_.label_column) + "; it does not look like a class label");
  }

  ProbeResult<CsvSummary> finish() {
    CsvSummary& summary = summary_;
    summary.feature_count = static_cast<std::int64_t>(summary.columns.size()) - (summary.label_index >= 0 ? 1 : 0);
    if (summary.label_index < 0) return std::move(summary);
    if (integer_labels_) {
      summary.label_kind = LabelKind::Integer;
      if (first_negative_)
        return fail("line " + std::to_string(first_negative_->line) + ": the label " +
                        in_backticks(first_negative_->text) + " is negative; integer labels are class ids from 0",
                    "line " + std::to_string(first_negative_->line) +
                        ": a label is negative; integer labels are class ids from 0");
      if (max_label_ == INT64_MAX) return fail("holds a label too large to be a class id");
      summary.num_classes = summary.rows == 0 ? 0 : max_label_ + 1;
    } else {
      summary.label_kind = LabelKind::String;
      summary.class_names.assign(distinct_.begin(), distinct_.end());
      summary.num_classes = static_cast<std::int64_t>(summary.class_names.size());
    }
    return std::move(summary);
  }

  struct NegativeLabel {
    std::string text;
    std::int64_t line;
  };

  const std::string& path_;
  const CsvOptions& options_;
  CsvSummary summary_;
  std::optional<ProbeError> failure_;

  State state_ = State::FieldStart;
  bool swallow_line_feed_ = false;
  bool record_started_ = false;
  bool first_record_done_ = false;
  std::int64_t line_ = 1;
  std::int64_t record_line_ = 1;
  std::size_t field_index_ = 0;
  std::string field_;
  std::vector<std::string> first_record_;
  std::size_t first_record_bytes_ = 0;

  bool integer_labels_ = true;
  std::int64_t max_label_ = -1;
  std::optional<NegativeLabel> first_negative_;
  std::set<std::string> distinct_;
  std::size_t distinct_bytes_ = 0;
  bool names_overflowed_ = false;
};

}  // namespace

ProbeResult<CsvSummary> probe_csv(const std::string& path, const CsvOptions& options) {
  try {
    return CsvScanner(path, options).run();
  } catch (const std::exception& e) {
    return ProbeError{ProbeError::Kind::Unreadable, in_backticks(path) + " could not be probed: " + e.what()};
  }
}

}  // namespace mlf::probe
