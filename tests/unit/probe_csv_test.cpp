// CSV probe: columns, rows, label kinds, syntax variants, and every failure path.
#include "tests/unit/scratch_dir.h"
#include "compiler/probe/csv_probe.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mlf::probe {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

using test_support::ScratchDir;

CsvOptions labelled(const std::string& label, bool header = true, char delimiter = ',') {
  CsvOptions options;
  options.label_column = label;
  options.header = header;
  options.delimiter = delimiter;
  return options;
}

const CsvSummary& summary_of(const ProbeResult<CsvSummary>& result) {
  if (!ok(result)) ADD_FAILURE() << error(result).message;
  static const CsvSummary empty;
  return ok(result) ? std::get<CsvSummary>(result) : empty;
}

void expect_error(const ProbeResult<CsvSummary>& result, ProbeError::Kind kind, const std::string& path,
                  const std::string& fragment) {
  ASSERT_FALSE(ok(result)) << "expected an error mentioning: " << fragment;
  const ProbeError& failure = error(result);
  EXPECT_EQ(failure.kind, kind) << failure.message;
  EXPECT_NE(failure.message.find("`" + path + "`"), std::string::npos) << failure.message;
  EXPECT_NE(failure.message.find(fragment), std::string::npos) << failure.message;
}

const char kIris[] =
    "sepal_length,sepal_width,species\n"
    "5.1,3.5,setosa\n"
    "7.0,3.2,versicolor\n"
    "6.3,3.3,virginica\n"
    "4.9,3.0,setosa\n";

TEST(CsvProbe, StringLabelsMapToSortedClassNames) {
  ScratchDir dir;
  auto result = probe_csv(dir.write("iris.csv", kIris), labelled("species"));
  const CsvSummary& summary = summary_of(result);
  EXPECT_EQ(summary.columns, (Strings{"sepal_length", "sepal_width", "species"}));
  EXPECT_EQ(summary.rows, 4);
  EXPECT_EQ(summary.feature_count, 2);
  EXPECT_EQ(summary.label_index, 2);
  EXPECT_EQ(summary.label_kind, LabelKind::String);
  EXPECT_EQ(summary.num_classes, 3);
  EXPECT_EQ(summary.class_names, (Strings{"setosa", "versicolor", "virginica"}));
}

TEST(CsvProbe, ClassNamesSortInByteOrder) {
  ScratchDir dir;
  auto result = probe_csv(dir.write("names.csv", "y,x\nb,1\nB,2\na,3\n_,4\n"), labelled("y"));
  EXPECT_EQ(summary_of(result).class_names, (Strings{"B", "_", "a", "b"}));
  EXPECT_EQ(summary_of(result).feature_count, 1);
}

TEST(CsvProbe, IntegerLabelsCountToTheLargestPlusOne) {
  ScratchDir dir;
  auto result = probe_csv(dir.write("digits.csv", "label,a,b\n0,1,2\n7,1.5,-2e3\n3,+4,.5\n"), labelled("label"));
  const CsvSummary& summary = summary_of(result);
  EXPECT_EQ(summary.label_kind, LabelKind::Integer);
  EXPECT_EQ(summary.num_classes, 8);
  EXPECT_EQ(summary.label_index, 0);
  EXPECT_TRUE(summary.class_names.empty());
  EXPECT_EQ(summary.rows, 3);
}

TEST(CsvProbe, WithoutHeaderColumnsAreNumbered) {
  ScratchDir dir;
  auto result = probe_csv(dir.write("plain.csv", "1,2,0\n3,4,1\n"), labelled("c2", false));
  const CsvSummary& summary = summary_of(result);
  EXPECT_EQ(summary.columns, (Strings{"c0", "c1", "c2"}));
  EXPECT_EQ(summary.rows, 2);
  EXPECT_EQ(summary.feature_count, 2);
  EXPECT_EQ(summary.num_classes, 2);
}

TEST(CsvProbe, WithoutLabelColumnEveryColumnIsAFeature) {
  ScratchDir dir;
  auto result = probe_csv(dir.write("features.csv", "a,b,c\n1,2,3\n"), CsvOptions{});
  const CsvSummary& summary = summary_of(result);
  EXPECT_EQ(summary.feature_count, 3);
  EXPECT_EQ(summary.num_classes, 0);
  EXPECT_EQ(summary.label_kind, LabelKind::None);
  EXPECT_EQ(summary.label_index, -1);
}

TEST(CsvProbe, HandlesCrlfBlankLinesByteOrderMarkAndNoTrailingNewline) {
  ScratchDir dir;
  std::string text = "\xEF\xBB\xBF" "a,b,y\r\n1,2,cat\r\n\r\n3,4,dog\r\n5,6,cat";
  auto result = probe_csv(dir.write("windows.csv", text), labelled("y"));
  const CsvSummary& summary = summary_of(result);
  EXPECT_EQ(summary.columns, (Strings{"a", "b", "y"}));
  EXPECT_EQ(summary.rows, 3);
  EXPECT_EQ(summary.class_names, (Strings{"cat", "dog"}));
}

TEST(CsvProbe, HandlesQuotedFields) {
  ScratchDir dir;
  std::string text =
      "\"width, cm\",\"height\",\"kind\"\n"
      "\"1.5\",2,\"say \"\"hi\"\"\"\n"
      "3, 4 ,\"two\nlines\"\n"
      "5,6,\"\"\"\"\n";
  auto result = probe_csv(dir.write("quoted.csv", text), labelled("kind"));
  const CsvSummary& summary = summary_of(result);
  EXPECT_EQ(summary.columns, (Strings{"width, cm", "height", "kind"}));
  EXPECT_EQ(summary.rows, 3);
  EXPECT_EQ(summary.class_names, (Strings{"\"", "say \"hi\"", "two\nlines"}));
}

TEST(CsvProbe, HonoursTheDelimiter) {
  ScratchDir dir;
  auto result = probe_csv(dir.write("semi.csv", "a;b;y\n1,5;2;0\n"), labelled("y", true, ';'));
  EXPECT_FALSE(ok(result));  // "1,5" is not a number
  auto tabs = probe_csv(dir.write("tabs.tsv", "a\tb\ty\n1.5\t2\t0\n"), labelled("y", true, '\t'));
  EXPECT_EQ(summary_of(tabs).feature_count, 2);
  EXPECT_EQ(summary_of(tabs).num_classes, 1);
}

TEST(CsvProbe, ReadsGzippedCsv) {
  ScratchDir dir;
  auto result = probe_csv(dir.write_gzip("iris.csv.gz", kIris), labelled("species"));
  EXPECT_EQ(summary_of(result).rows, 4);
  EXPECT_EQ(summary_of(result).num_classes, 3);
}

TEST(CsvProbe, HeaderOnlyHasNoRows) {
  ScratchDir dir;
  auto result = probe_csv(dir.write("header.csv", "a,b,y\n"), labelled("y"));
  EXPECT_EQ(summary_of(result).rows, 0);
  EXPECT_EQ(summary_of(result).num_classes, 0);
}

TEST(CsvProbe, ReadsMoreThanOneBufferOfRows) {
  ScratchDir dir;
  std::string text = "x1,x2,label\n";
  for (int i = 0; i < 100000; ++i) text += std::to_string(i) + ".25,-" + std::to_string(i) + "," + std::to_string(i % 13) + "\n";
  ASSERT_GT(text.size(), 1u << 20);
  auto result = probe_csv(dir.write("big.csv", text), labelled("label"));
  EXPECT_EQ(summary_of(result).rows, 100000);
  EXPECT_EQ(summary_of(result).num_classes, 13);
}

TEST(CsvProbe, MissingFileIsNotFound) {
  ScratchDir dir;
  std::string path = dir.path("absent.csv");
  expect_error(probe_csv(path, CsvOptions{}), ProbeError::Kind::NotFound, path, "does not exist");
}

TEST(CsvProbe, RaggedRowIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("ragged.csv", "a,b,c\n1,2,3\n4,5\n");
  expect_error(probe_csv(path, CsvOptions{}), ProbeError::Kind::BadFormat, path,
               "line 3 has 2 fields, expected 3 (as in the header)");
  std::string wide = dir.write("wide.csv", "1,2\n3,4,5\n");
  expect_error(probe_csv(wide, labelled("", false)), ProbeError::Kind::BadFormat, wide,
               "line 2 has 3 fields, expected 2 (as in the first line)");
}

TEST(CsvProbe, BadCellIsBadFormat) {
  ScratchDir dir;
  std::string path = dir.write("bad.csv", "a,b,y\n1,2,x\n3,x1,y\n");
  expect_error(probe_csv(path, labelled("y")), ProbeError::Kind::BadFormat, path,
               "line 3, column 2 (`b`): `x1` is not a number");
  std::string empty = dir.write("empty-cell.csv", "a,b\n1,\n");
  expect_error(probe_csv(empty, CsvOptions{}), ProbeError::Kind::BadFormat, empty,
               "line 2, column 2 (`b`): the cell is empty");
  std::string no_header = dir.write("bad-first.csv", "1,abc\n");
  expect_error(probe_csv(no_header, labelled("", false)), ProbeError::Kind::BadFormat, no_header,
               "line 1, column 2 (`c1`): `abc` is not a number");
}

TEST(CsvProbe, UnknownLabelColumnListsTheColumns) {
  ScratchDir dir;
  std::string path = dir.write("iris.csv", kIris);
  expect_error(probe_csv(path, labelled("specis")), ProbeError::Kind::BadFormat, path,
               "has no column `specis`; its columns are `sepal_length`, `sepal_width`, `species`; the nearest is `species`");
  expect_error(probe_csv(path, labelled("zzz")), ProbeError::Kind::BadFormat, path,
               "has no column `zzz`; its columns are `sepal_length`, `sepal_width`, `species`");
  std::string plain = dir.write("plain.csv", "1,2\n");
  expect_error(probe_csv(plain, labelled("label", false)), ProbeError::Kind::BadFormat, plain,
               "its columns are `c0`, `c1`");
}

TEST(CsvProbe, BadLabelsAreBadFormat) {
  ScratchDir dir;
  std::string negative = dir.write("negative.csv", "x,y\n1,0\n2,-1\n");
  expect_error(probe_csv(negative, labelled("y")), ProbeError::Kind::BadFormat, negative,
               "line 3: the label `-1` is negative");
  std::string empty = dir.write("empty-label.csv", "x,y\n1,\n");
  expect_error(probe_csv(empty, labelled("y")), ProbeError::Kind::BadFormat, empty,
               "line 2, column 2 (`y`): the label is empty");
  std::string twice = dir.write("twice.csv", "y,y\n1,2\n");
  expect_error(probe_csv(twice, labelled("y")), ProbeError::Kind::BadFormat, twice,
               "names the label column `y` twice (columns 1 and 2)");
}

TEST(CsvProbe, TooManyDistinctStringLabelsIsBadFormat) {
  ScratchDir dir;
  std::string text = "x,y\n";
  for (int i = 0; i < 70000; ++i) text += "1,id" + std::to_string(i) + "\n";
  std::string path = dir.write("ids.csv", text);
  expect_error(probe_csv(path, labelled("y")), ProbeError::Kind::BadFormat, path, "does not look like a class label");
}

TEST(CsvProbe, SyntaxErrorsAreBadFormat) {
  ScratchDir dir;
  std::string open = dir.write("open.csv", "a,b\n1,\"2\n");
  expect_error(probe_csv(open, CsvOptions{}), ProbeError::Kind::BadFormat, open,
               "line 2: a quoted field is never closed");
  std::string after = dir.write("after.csv", "a,b\n1,\"2\"x\n");
  expect_error(probe_csv(after, CsvOptions{}), ProbeError::Kind::BadFormat, after,
               "line 2: unexpected character after the closing quote");
  std::string empty = dir.write("empty.csv", "");
  expect_error(probe_csv(empty, CsvOptions{}), ProbeError::Kind::BadFormat, empty, "is empty; a header line was expected");
  std::string blank = dir.write("blank.csv", "\n\r\n\n");
  expect_error(probe_csv(blank, labelled("", false)), ProbeError::Kind::BadFormat, blank, "is empty");
  std::string huge = dir.write("huge-field.csv", "a\n" + std::string((1 << 20) + 10, '1') + "\n");
  expect_error(probe_csv(huge, CsvOptions{}), ProbeError::Kind::BadFormat, huge, "a field is longer than 1 MiB");
}

}  // namespace
}  // namespace mlf::probe
