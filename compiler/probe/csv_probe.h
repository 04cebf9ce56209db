// Numeric CSV files with an optional class-label column, probed at compile time.
//
// Takes: a path (read through zlib when it starts with the gzip magic, so .csv.gz works) and
// CsvOptions: the delimiter, whether the first record is a header, and the label column's
// name ("" = no label column; without a header, columns are named "c0", "c1", ...).
// Promises: one streaming pass in bounded memory (1 MiB read buffer, fields of at most 1 MiB,
// at most 65536 distinct label values); every record has as many fields as the first (else
// BadFormat naming the line); every non-label cell parses as a number (else BadFormat naming
// line, column and cell); the label column holds either non-negative integers (class id =
// the value, num_classes = max + 1) or names (class id = index in the byte-order-sorted
// distinct names). An unknown label column is BadFormat listing the columns. Never throws.
// Syntax accepted: LF, CRLF or CR line ends; a trailing line end or not; blank lines skipped;
// a UTF-8 byte-order mark skipped; RFC 4180 quoting (a field in double quotes may hold the
// delimiter, line breaks and "" for a quote). Cells are trimmed of surrounding spaces and
// tabs before they are read as numbers or labels; the runtime must read them the same way.
// Does not: keep any cell values, infer the delimiter, or support comment lines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/probe/probe_result.h"

namespace mlf::probe {

struct CsvOptions {
  char delimiter = ',';
  bool header = true;
  std::string label_column;  // empty: no label column
};

enum class LabelKind {
  None,     // no label column was asked for
  Integer,  // every label is a non-negative integer; it is the class id
  String,   // labels are names; class id = index in class_names
};

struct CsvSummary {
  std::vector<std::string> columns;  // header names, or "c0", "c1", ... without a header
  std::int64_t rows = 0;             // data records, header excluded
  std::int64_t feature_count = 0;    // columns minus the label column
  std::int64_t num_classes = 0;      // 0 without a label column
  LabelKind label_kind = LabelKind::None;
  std::vector<std::string> class_names;  // String labels only: sorted distinct values
  std::int64_t label_index = -1;         // position of the label column in columns, or -1
};

ProbeResult<CsvSummary> probe_csv(const std::string& path, const CsvOptions& options);

}  // namespace mlf::probe
