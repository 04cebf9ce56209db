// The `csv` reader's decoding: a numeric CSV table into a Dataset of f32 feature vectors.
//
// Takes: the file's path (for messages), its content (gunzipped already when the file was
// gzip), the delimiter, whether the first record is a header, and the label column's name
// ("" = none; without a header columns are named c0, c1, ...).
// Promises: the syntax of the compile-time probe exactly (compiler/probe/csv_probe.h): a
// UTF-8 byte-order mark skipped; LF, CRLF or CR line ends; blank lines skipped; RFC 4180
// quoting; every record as many fields as the first; cells trimmed of spaces and tabs. A
// feature cell is read as the probe checks it (an optional leading '+' dropped unless a sign
// follows, then std::from_chars to double over the whole cell) and rounded to the nearest
// f32 (static_cast<float>). Labels: when every label is an integer (same rule), the class id
// is the value (negative is an error) and classes = largest + 1 (0 with no rows); otherwise
// the class id is the index of the label in the sorted (byte order) distinct names. Samples
// are f32 [F] with the columns in file order, the label column left out; source_index is
// the row number from 0. Without a label column, y is empty and classes 0. Every problem is a
// DataError naming the file and line.
// Does not: read files or check digests (readers.h does), or infer the delimiter.
#pragma once

#include <string>
#include <vector>

#include "runtime/data/data_result.h"
#include "runtime/data/tensor.h"

namespace mlf::runtime {

struct CsvReadOptions {
  char delimiter = ',';
  bool header = true;
  std::string label_column;
};

struct CsvDecoded {
  Dataset dataset;
  std::vector<std::string> columns;      // as the probe names them
  std::vector<std::string> class_names;  // string labels only: sorted distinct names
};

DataResult<CsvDecoded> decode_csv(const std::string& path, std::string_view content,
                                  const CsvReadOptions& options);

}  // namespace mlf::runtime
