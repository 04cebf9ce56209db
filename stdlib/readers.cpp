// Readers: datasets from files. Each rule probes the files' headers at compile time
// (compiler/probe/) so the sample type and count are known to the checker.

#include <string>

#include "compiler/probe/csv_probe.h"
#include "compiler/probe/idx_probe.h"
#include "compiler/probe/image_folder_probe.h"
#include "compiler/probe/npy_probe.h"
#include "compiler/probe/shape_size.h"
#include "stdlib/catalogue.h"
#include "stdlib/npy_labels.h"
#include "stdlib/spec_builders.h"

namespace mlf {
namespace {

RuleError file_error(const probe::ProbeError& error, const std::string& argument) {
  RuleError out;
  switch (error.kind) {
    case probe::ProbeError::Kind::NotFound: out.kind = DiagnosticKind::FileNotFound; break;
    case probe::ProbeError::Kind::Unreadable: out.kind = DiagnosticKind::FileUnreadable; break;
    case probe::ProbeError::Kind::BadFormat: out.kind = DiagnosticKind::BadFileFormat; break;
  }
  out.message = error.message;
  out.content_free = error.content_free;
  out.argument = argument;
  return out;
}

RuleError bad_format(const std::string& path, const std::string& detail,
                     const std::string& argument) {
  return file_error({probe::ProbeError::Kind::BadFormat, probe::in_backticks(path) + " " + detail},
                    argument);
}

RuleError count_mismatch(const std::string& x_path, std::int64_t x_count, const std::string& y_path,
                         std::int64_t y_count, const std::string& argument) {
  RuleError out;
  out.kind = DiagnosticKind::SampleCountMismatch;
  out.message = probe::in_backticks(x_path) + " holds " + std::to_string(x_count) +
                " samples but " + probe::in_backticks(y_path) + " holds " +
                std::to_string(y_count) + " labels";
  out.argument = argument;
  return out;
}

DType dtype_of(probe::ElementType type) {
  switch (type) {
    case probe::ElementType::U8: return DType::U8;
    case probe::ElementType::I8: return DType::I8;
    case probe::ElementType::I16: return DType::I16;
    case probe::ElementType::I32: return DType::I32;
    case probe::ElementType::I64: return DType::I64;
    case probe::ElementType::F32: return DType::F32;
    case probe::ElementType::F64: return DType::F64;
  }
  return DType::F32;
}

LabelType classes(std::int64_t count) { return LabelType{LabelType::Kind::Class, count, {}}; }

OpSpec idx() {
  OpSpec op = new_op("idx", OpKind::Reader,
                     "image and label files in the IDX format of MNIST, raw or gzipped; 3-d "
                     "images [N, H, W] get a channel dimension: samples are [1, H, W]");
  op.params = {
      param("images", ParamType::Path,
            "IDX file of samples: [N, H, W] gives [1, H, W] samples, [N, C, H, W] gives "
            "[C, H, W], [N, F] gives [F]; the element type is the file's"),
      param("labels", ParamType::Path,
            "1-d IDX file of N integer class ids from 0; the class count is the largest + 1"),
  };
  op.reader_rule = [](const OpCall& call) -> RuleResult<ReaderOutput> {
    const std::string& images_path = call.arg("images").text;
    const std::string& labels_path = call.arg("labels").text;
    auto images = probe::probe_idx(images_path);
    if (!probe::ok(images)) return file_error(probe::error(images), "images");
    auto labels = probe::probe_idx_labels(labels_path);
    if (!probe::ok(labels)) return file_error(probe::error(labels), "labels");

    const probe::IdxHeader& header = std::get<probe::IdxHeader>(images);
    const probe::LabelSummary& summary = std::get<probe::LabelSummary>(labels);
    const auto& dims = header.dims;
    if (dims.size() < 2 || dims.size() > 4)
      return bad_format(images_path,
                        "holds an array of shape " + probe::format_dims(dims) +
                            "; samples must be [N, F], [N, H, W] or [N, C, H, W]",
                        "images");
    if (dims[0] != summary.count)
      return count_mismatch(images_path, dims[0], labels_path, summary.count, "labels");

    DatasetType type;
    type.count = dims[0];
    type.sample.x.dtype = dtype_of(header.type);
    type.sample.x.dims.assign(dims.begin() + 1, dims.end());
    if (dims.size() == 3) type.sample.x.dims.insert(type.sample.x.dims.begin(), 1);
    type.sample.y = classes(summary.num_classes);
    return ReaderOutput{type, {"images", "labels"}};
  };
  return op;
}

OpSpec csv() {
  OpSpec op = new_op("csv", OpKind::Reader,
                     "a numeric CSV table, one sample per row: the label column gives the "
                     "class, every other column a f32 feature");
  op.params = {
      param("path", ParamType::Path, "the CSV file, raw or gzipped").positional(),
      param("label", ParamType::String,
            "name of the label column (c0, c1, ... without a header); integer labels are "
            "class ids, names are numbered in sorted order"),
      param("delimiter", ParamType::String, "the one character between fields").default_text(","),
      param("header", ParamType::Bool, "the first row names the columns").default_bool(true),
  };
  op.reader_rule = [](const OpCall& call) -> RuleResult<ReaderOutput> {
    const std::string& path = call.arg("path").text;
    const std::string& delimiter = call.arg("delimiter").text;
    if (delimiter.size() != 1) {
      RuleError error;
      error.kind = DiagnosticKind::ValueOutOfRange;
      error.message = "`delimiter` must be one character, found \"" + delimiter + "\"";
      error.argument = "delimiter";
      return error;
    }
    probe::CsvOptions options;
    options.delimiter = delimiter[0];
    options.header = call.arg("header").boolean;
    options.label_column = call.arg("label").text;
    auto result = probe::probe_csv(path, options);
    if (!probe::ok(result)) return file_error(probe::error(result), "path");
    const probe::CsvSummary& summary = std::get<probe::CsvSummary>(result);

    DatasetType type;
    type.count = summary.rows;
    type.sample.x = TensorType{DType::F32, {summary.feature_count}};
    type.sample.y = classes(summary.num_classes);
    return ReaderOutput{type, {"path"}};
  };
  return op;
}

OpSpec npy() {
  OpSpec op =
      new_op("npy", OpKind::Reader, "arrays of samples and of integer class labels in .npy files");
  op.params = {
      param("x", ParamType::Path,
            ".npy array [N, ...]: each sample is one entry of the first dimension, with the "
            "array's element type"),
      param("y", ParamType::Path,
            ".npy array [N] of integer class ids from 0, read at compile time to count the "
            "classes (the largest + 1)"),
      param("classes", ParamType::Int,
            "the class count, when it is more than the largest label in `y` + 1 (a subset "
            "that misses the last classes)")
          .optional()
          .at_least(1)
          .at_most(kMaxWidth),
  };
  op.reader_rule = [](const OpCall& call) -> RuleResult<ReaderOutput> {
    const std::string& x_path = call.arg("x").text;
    const std::string& y_path = call.arg("y").text;
    auto x = probe::probe_npy(x_path);
    if (!probe::ok(x)) return file_error(probe::error(x), "x");
    auto y = read_npy_labels(y_path);
    if (!probe::ok(y)) return file_error(probe::error(y), "y");

    const probe::NpyHeader& header = std::get<probe::NpyHeader>(x);
    const NpyLabelSummary& labels = std::get<NpyLabelSummary>(y);
    if (header.shape.empty())
      return bad_format(x_path,
                        "holds a 0-d array; samples must be the entries of its first "
                        "dimension",
                        "x");
    if (header.shape[0] != labels.count)
      return count_mismatch(x_path, header.shape[0], y_path, labels.count, "y");

    std::int64_t class_count = labels.num_classes;
    if (const Value& declared = call.arg("classes"); declared.kind == Value::Kind::Int) {
      if (declared.integer < labels.num_classes) {
        RuleError error;
        error.kind = DiagnosticKind::ValueOutOfRange;
        error.message = "`classes` is " + std::to_string(declared.integer) + " but " +
                        probe::in_backticks(y_path) + " holds the label " +
                        std::to_string(labels.num_classes - 1);
        error.help = "leave `classes` out to use " + std::to_string(labels.num_classes);
        error.argument = "classes";
        return error;
      }
      class_count = declared.integer;
    }

    DatasetType type;
    type.count = header.shape[0];
    type.sample.x.dtype = dtype_of(header.type);
    type.sample.x.dims.assign(header.shape.begin() + 1, header.shape.end());
    type.sample.y = classes(class_count);
    return ReaderOutput{type, {"x", "y"}};
  };
  return op;
}

OpSpec image_folder() {
  OpSpec op = new_op("image_folder", OpKind::Reader,
                     "folders of .png images, one per class, as u8 [channels, height, width]");
  op.params = {
      param("root", ParamType::Path,
            "folder holding one subfolder of .png files per class; classes are numbered by "
            "subfolder name in sorted order, and all images must share one shape")
          .positional(),
  };
  op.reader_rule = [](const OpCall& call) -> RuleResult<ReaderOutput> {
    auto result = probe::probe_image_folder(call.arg("root").text);
    if (!probe::ok(result)) return file_error(probe::error(result), "root");
    const probe::ImageFolderSummary& summary = std::get<probe::ImageFolderSummary>(result);

    DatasetType type;
    type.count = summary.total;
    type.sample.x = TensorType{DType::U8, {summary.channels, summary.height, summary.width}};
    type.sample.y = classes(static_cast<std::int64_t>(summary.classes.size()));
    return ReaderOutput{type, {"root"}};
  };
  return op;
}

}  // namespace

void register_readers(Catalogue& catalogue) {
  catalogue.add(idx());
  catalogue.add(csv());
  catalogue.add(npy());
  catalogue.add(image_folder());
}

}  // namespace mlf
