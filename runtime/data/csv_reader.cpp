#include "runtime/data/csv_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <cstdint>
#include <optional>
#include <set>

#include "runtime/data/file_bytes.h"

namespace mlf::runtime {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string_view without_plus(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  return text;
}

std::optional<double> parse_number(std::string_view text) {
  text = without_plus(text);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (code != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  text = without_plus(text);
  std::int64_t value = 0;
  auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || code != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The probe's record scanner, collecting whole records instead of summarising them.
class Scanner {
 public:
  Scanner(const std::string& path, const CsvReadOptions& options) : path_(path), options_(options) {}

  // Calls on_record(fields, line) per record; stops at the first failure.
  template <class OnRecord>
  std::optional<std::string> run(std::string_view content, OnRecord&& on_record) {
    char delimiter = options_.delimiter;
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || delimiter == '\0')
      return quoted_path(path_) + " cannot be read with a quote, line break or NUL delimiter";
    if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
    auto end_record = [&]() -> bool {
      record_started_ = false;
      bool kept = on_record(fields_, record_line_);
      fields_.clear();
      return kept;
    };
    auto end_field = [&]() {
      fields_.push_back(std::move(field_));
      field_.clear();
    };
    for (char c : content) {
      if (swallow_line_feed_) {
        swallow_line_feed_ = false;
        if (c == '\n') continue;
      }
      const bool line_end = c == '\n' || c == '\r';
      switch (state_) {
        case State::FieldStart:
          if (line_end) {
            if (record_started_) {
              end_field();
              if (!end_record()) return std::nullopt;
            }
            next_line(c);
            break;
          }
          if (!record_started_) {
            record_started_ = true;
            record_line_ = line_;
          }
          if (c == '"') {
            state_ = State::Quoted;
          } else if (c == delimiter) {
            end_field();
          } else {
            state_ = State::Unquoted;
            field_ += c;
          }
          break;
        case State::Unquoted:
          if (c == delimiter) {
            state_ = State::FieldStart;
            end_field();
          } else if (line_end) {
            state_ = State::FieldStart;
            end_field();
            if (!end_record()) return std::nullopt;
            next_line(c);
          } else {
            field_ += c;
          }
          break;
        case State::Quoted:
          if (c == '"') {
            state_ = State::QuoteInQuoted;
          } else {
            if (c == '\n') ++line_;
            field_ += c;
          }
          break;
        case State::QuoteInQuoted:
          if (c == '"') {
            state_ = State::Quoted;
            field_ += c;
          } else if (c == delimiter) {
            state_ = State::FieldStart;
            end_field();
          } else if (line_end) {
            state_ = State::FieldStart;
            end_field();
            if (!end_record()) return std::nullopt;
            next_line(c);
          } else {
            return quoted_path(path_) + " line " + std::to_string(line_) +
                   ": unexpected character after the closing quote of a field";
          }
          break;
      }
    }
    if (state_ == State::Quoted)
      return quoted_path(path_) + " line " + std::to_string(record_line_) +
             ": a quoted field is never closed";
    if (record_started_) {
      end_field();
      end_record();
    }
    return std::nullopt;
  }

 private:
  enum class State { FieldStart, Unquoted, Quoted, QuoteInQuoted };

  void next_line(char c) {
    ++line_;
    if (c == '\r') swallow_line_feed_ = true;
  }

  const std::string& path_;
  const CsvReadOptions& options_;
  State state_ = State::FieldStart;
  bool swallow_line_feed_ = false;
  bool record_started_ = false;
  std::int64_t line_ = 1;
  std::int64_t record_line_ = 1;
  std::string field_;
  std::vector<std::string> fields_;
};

}  // namespace

DataResult<CsvDecoded> decode_csv(const std::string& path, std::string_view content,
                                  const CsvReadOptions& options) {
  CsvDecoded decoded;
  std::vector<float> features;
  std::vector<std::string> labels;
  std::int64_t label_index = -1;
  std::size_t columns = 0;
  bool first = true;
  std::optional<std::string> failure;
  std::int64_t rows = 0;

  auto where = [&](std::int64_t line, std::size_t column) {
    std::string out = quoted_path(path) + " line " + std::to_string(line) + ", column " +
                      std::to_string(column + 1);
    if (column < decoded.columns.size()) out += " (`" + decoded.columns[column] + "`)";
    return out;
  };

  auto data_record = [&](const std::vector<std::string>& fields, std::int64_t line) -> bool {
    for (std::size_t column = 0; column < fields.size(); ++column) {
      std::string_view text = trim(fields[column]);
      if (static_cast<std::int64_t>(column) == label_index) {
        if (text.empty()) {
          failure = where(line, column) + ": the label is empty";
          return false;
        }
        labels.emplace_back(text);
        continue;
      }
      std::optional<double> number = parse_number(text);
      if (!number) {
        failure = where(line, column) + ": `" + std::string(text) + "` is not a number";
        return false;
      }
      features.push_back(static_cast<float>(*number));
    }
    ++rows;
    return true;
  };

  Scanner scanner(path, options);
  std::optional<std::string> scan_failure =
      scanner.run(content, [&](const std::vector<std::string>& fields, std::int64_t line) -> bool {
        if (first) {
          first = false;
          columns = fields.size();
          if (options.header) {
            decoded.columns = fields;
          } else {
            for (std::size_t i = 0; i < fields.size(); ++i)
              decoded.columns.push_back("c" + std::to_string(i));
          }
          if (!options.label_column.empty()) {
            for (std::size_t i = 0; i < decoded.columns.size(); ++i) {
              if (decoded.columns[i] != options.label_column) continue;
              if (label_index >= 0) {
                failure = quoted_path(path) + " names the label column `" +
                          options.label_column + "` twice";
                return false;
              }
              label_index = static_cast<std::int64_t>(i);
            }
            if (label_index < 0) {
              failure = quoted_path(path) + " has no column `" + options.label_column + "`";
              return false;
            }
          }
          if (options.header) return true;
          return data_record(fields, line);
        }
        if (fields.size() != columns) {
          failure = quoted_path(path) + " line " + std::to_string(line) + " has " +
                    std::to_string(fields.size()) + " fields, expected " + std::to_string(columns);
          return false;
        }
        return data_record(fields, line);
      });
  if (scan_failure) return DataError{*scan_failure};
  if (failure) return DataError{*failure};
  if (first) return DataError{quoted_path(path) + " is empty"};

  Dataset& out = decoded.dataset;
  const std::int64_t feature_count =
      static_cast<std::int64_t>(columns) - (label_index >= 0 ? 1 : 0);
  out.x.dtype = DType::F32;
  out.x.shape = {rows, feature_count};
  out.x.bytes.resize(features.size() * sizeof(float));
  if (!features.empty()) std::memcpy(out.x.bytes.data(), features.data(), out.x.bytes.size());
  out.source_index.resize(static_cast<std::size_t>(rows));
  for (std::int64_t i = 0; i < rows; ++i) out.source_index[static_cast<std::size_t>(i)] = i;

  if (label_index >= 0) {
    bool integers = true;
    std::int64_t max_label = -1;
    std::vector<std::int64_t> values;
    values.reserve(labels.size());
    for (const std::string& label : labels) {
      std::optional<std::int64_t> v = parse_integer(label);
      if (!v) {
        integers = false;
        break;
      }
      values.push_back(*v);
    }
    out.y.resize(labels.size());
    if (integers) {
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i] < 0)
          return DataError{quoted_path(path) + ": the label `" + labels[i] +
                           "` is negative; integer labels are class ids from 0"};
        if (values[i] > INT32_MAX - 1)
          return DataError{quoted_path(path) + " holds a label too large to be a class id"};
        max_label = std::max(max_label, values[i]);
        out.y[i] = static_cast<std::int32_t>(values[i]);
      }
      out.classes = rows == 0 ? 0 : max_label + 1;
    } else {
      std::set<std::string> distinct(labels.begin(), labels.end());
      decoded.class_names.assign(distinct.begin(), distinct.end());
      for (std::size_t i = 0; i < labels.size(); ++i) {
        auto at = std::lower_bound(decoded.class_names.begin(), decoded.class_names.end(), labels[i]);
        out.y[i] = static_cast<std::int32_t>(at - decoded.class_names.begin());
      }
      out.classes = static_cast<std::int64_t>(decoded.class_names.size());
    }
  }
  return decoded;
}

}  // namespace mlf::runtime
