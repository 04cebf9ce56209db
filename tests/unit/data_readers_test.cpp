// The runtime readers on small files written by the test: each file is first typed by the
// catalogue's compile-time rule (the probes), then read as the plan would have it; the data
// must agree with the probe (type, count, class numbering, file order) and a file changed
// after the plan was built must be refused, naming the file.

#include "runtime/data/readers.h"

#include <gtest/gtest.h>
#include <png.h>
#include <stdlib.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "compiler/probe/csv_probe.h"
#include "compiler/probe/file_digest.h"
#include "compiler/probe/image_folder_probe.h"
#include "runtime/data/csv_reader.h"
#include "runtime/data/file_bytes.h"
#include "stdlib/catalogue.h"

namespace mlf::runtime {
namespace {

namespace fs = std::filesystem;

std::string big_endian(std::uint32_t v) {
  return {char(v >> 24), char(v >> 16 & 0xff), char(v >> 8 & 0xff), char(v & 0xff)};
}

std::string idx(unsigned char type, const std::vector<std::uint32_t>& dims, const std::string& data) {
  std::string out = {0, 0, static_cast<char>(type), char(dims.size())};
  for (auto d : dims) out += big_endian(d);
  return out + data;
}

std::string npy(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += char(dict.size() & 0xff);
  out += char(dict.size() >> 8);
  return out + dict + data;
}

template <class T>
std::string raw(const std::vector<T>& values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

class DataReaders : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mlf-data-readers-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }
  std::string write_gzip(const std::string& name, const std::string& bytes) {
    std::string path = (dir_ / name).string();
    gzFile gz = gzopen(path.c_str(), "wb");
    EXPECT_NE(gz, nullptr);
    gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(gz);
    return path;
  }
  // An 8-bit PNG of `channels` (1 or 3) interleaved bytes, written with libpng.
  std::string write_png(const std::string& name, int width, int height, int channels,
                        const std::vector<std::uint8_t>& pixels) {
    fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(width);
    image.height = static_cast<png_uint_32>(height);
    image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    EXPECT_TRUE(png_image_write_to_file(&image, path.c_str(), 0, pixels.data(), 0, nullptr));
    return path.string();
  }

  // The compile-time view (the catalogue's reader rule over the probes) turned into the plan
  // node the runtime gets: call, file digests as the checker takes them, type and count.
  PlanNode plan_node(const std::string& op, std::vector<std::pair<std::string, Value>> args) {
    OpCall call;
    call.op = catalogue().find(op);
    for (const ParamSpec& p : call.op->params) {
      Argument a{p.name, p.default_value.value_or(Value::none()), true};
      for (const auto& [name, value] : args)
        if (name == p.name) a = {p.name, value, false};
      call.args.push_back(a);
    }
    auto rule = call.op->reader_rule(call);
    if (auto* e = std::get_if<RuleError>(&rule)) {
      ADD_FAILURE() << "compile-time rule refused: " << e->message;
      return {};
    }
    const ReaderOutput& output = std::get<ReaderOutput>(rule);
    PlanNode node;
    node.kind = "read";
    node.call = PlanOp{op, call.op->version, {}, {}};
    for (const Argument& a : call.args) {
      PlanValue v;
      switch (a.value.kind) {
        case Value::Kind::None: continue;
        case Value::Kind::Int: v.kind = PlanValue::Kind::Int; v.integer = a.value.integer; break;
        case Value::Kind::Float: v.kind = PlanValue::Kind::Float; v.real = a.value.real; break;
        case Value::Kind::Bool: v.kind = PlanValue::Kind::Bool; v.boolean = a.value.boolean; break;
        case Value::Kind::String: v.kind = PlanValue::Kind::String; v.text = a.value.text; break;
        case Value::Kind::Path: v.kind = PlanValue::Kind::Path; v.text = a.value.text; break;
        default: ADD_FAILURE() << "unexpected argument kind"; continue;
      }
      node.call->args.push_back({a.name, v});
    }
    probe::FileDigestCache digests("");
    for (const std::string& name : output.file_args) {
      const std::string& path = call.arg(name).text;
      PlanFileInput file;
      file.argument = name;
      file.path = path;
      file.directory = fs::is_directory(path);
      auto digest = file.directory ? digests.digest_tree(path) : digests.digest(path);
      EXPECT_TRUE(probe::ok(digest));
      file.sha256 = std::get<Digest>(digest);
      node.files.push_back(file);
    }
    node.sample = output.type.sample;
    node.count = output.type.count;
    return node;
  }

  static Dataset read_ok(const PlanNode& node) {
    auto result = read_dataset(node, "");
    if (!ok(result)) {
      ADD_FAILURE() << error(result).message;
      return {};
    }
    return value(result);
  }

  fs::path dir_;
};

TEST_F(DataReaders, IdxPlainAddsTheChannelDimension) {
  std::string images = write("images.idx", idx(0x08, {3, 2, 2}, std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", 12)));
  std::string labels = write("labels.idx", idx(0x08, {3}, std::string("\x02\x00\x01", 3)));
  PlanNode node = plan_node("idx", {{"images", Value::of_path(images)}, {"labels", Value::of_path(labels)}});
  Dataset d = read_ok(node);
  EXPECT_EQ(d.x.dtype, DType::U8);
  EXPECT_EQ(d.x.shape, (std::vector<std::int64_t>{3, 1, 2, 2}));
  EXPECT_EQ(d.x.bytes[0], 1);
  EXPECT_EQ(d.x.bytes[11], 12);
  EXPECT_EQ(d.y, (std::vector<std::int32_t>{2, 0, 1}));
  EXPECT_EQ(d.classes, node.sample->y.classes);
  EXPECT_EQ(d.classes, 3);
  EXPECT_EQ(d.source_index, (std::vector<std::int64_t>{0, 1, 2}));
}

TEST_F(DataReaders, IdxGzipBigEndianElements) {
  // i16 features [2, 3], big-endian in the file.
  std::string data;
  for (std::int16_t v : {1, -2, 300, 4, 5, -32768}) data += {char(static_cast<std::uint16_t>(v) >> 8), char(v & 0xff)};
  std::string images = write_gzip("images.idx.gz", idx(0x0b, {2, 3}, data));
  std::string labels = write_gzip("labels.idx.gz", idx(0x08, {2}, std::string("\x04\x01", 2)));
  PlanNode node = plan_node("idx", {{"images", Value::of_path(images)}, {"labels", Value::of_path(labels)}});
  Dataset d = read_ok(node);
  EXPECT_EQ(d.x.dtype, DType::I16);
  EXPECT_EQ(d.x.shape, (std::vector<std::int64_t>{2, 3}));
  const auto* v = d.x.data<std::int16_t>();
  EXPECT_EQ(std::vector<std::int16_t>(v, v + 6), (std::vector<std::int16_t>{1, -2, 300, 4, 5, -32768}));
  EXPECT_EQ(d.y, (std::vector<std::int32_t>{4, 1}));
  EXPECT_EQ(d.classes, 5);
}

TEST_F(DataReaders, CsvWithStringLabelsAgreesWithTheProbe) {
  std::string text =
      "\xEF\xBB\xBF" "a,species,b\r\n"
      " 1.5 , setosa,+2\r\n"
      "\n"
      "\"3\",\"virginica\", -4e-1\r\n"
      "5,versicolor ,6\r"
      "7,\" setosa\",8";
  std::string path = write("table.csv", text);
  PlanNode node = plan_node("csv", {{"path", Value::of_path(path)}, {"label", Value::of_string("species")}});
  ASSERT_TRUE(node.call);
  probe::CsvOptions options;
  options.label_column = "species";
  auto summary = probe::probe_csv(path, options);
  ASSERT_TRUE(probe::ok(summary)) << probe::error(summary).message;
  const auto& s = std::get<probe::CsvSummary>(summary);

  Dataset d = read_ok(node);
  EXPECT_EQ(d.size(), s.rows);
  EXPECT_EQ(d.x.shape, (std::vector<std::int64_t>{4, 2}));
  const float* x = d.x.data<float>();
  EXPECT_EQ(std::vector<float>(x, x + 8), (std::vector<float>{1.5f, 2.0f, 3.0f, -0.4f, 5.0f, 6.0f, 7.0f, 8.0f}));
  EXPECT_EQ(d.classes, s.num_classes);
  auto decoded = decode_csv(path, value(file_content(path, value(read_whole_file(path)))),
                            CsvReadOptions{',', true, "species"});
  ASSERT_TRUE(ok(decoded));
  EXPECT_EQ(value(decoded).class_names, s.class_names);
  // Trimmed names: "setosa" twice (the quoted " setosa" trims too), sorted in byte order.
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(d.y, (std::vector<std::int32_t>{0, 2, 1, 0}));
}

TEST_F(DataReaders, CsvIntegerLabelsWithoutHeader) {
  std::string path = write("t.csv", "0.5;1\n0.25;0\n1e3;3\n");
  PlanNode node = plan_node("csv", {{"path", Value::of_path(path)}, {"label", Value::of_string("c1")},
                                    {"delimiter", Value::of_string(";")}, {"header", Value::of_bool(false)}});
  Dataset d = read_ok(node);
  EXPECT_EQ(d.x.shape, (std::vector<std::int64_t>{3, 1}));
  EXPECT_EQ(d.x.data<float>()[2], 1000.0f);
  EXPECT_EQ(d.y, (std::vector<std::int32_t>{1, 0, 3}));
  EXPECT_EQ(d.classes, 4);
}

TEST_F(DataReaders, NpySamplesAndLabels) {
  std::vector<float> x = {0.5f, -1.0f, 2.0f, 3.25f, 4.0f, 1e-3f};
  std::string x_path = write("x.npy", npy("<f4", "(3, 2)", raw(x)));
  std::string y_path = write("y.npy", npy("<i8", "(3,)", raw(std::vector<std::int64_t>{1, 0, 1})));
  PlanNode node = plan_node("npy", {{"x", Value::of_path(x_path)}, {"y", Value::of_path(y_path)},
                                    {"classes", Value::of_int(4)}});
  Dataset d = read_ok(node);
  EXPECT_EQ(d.x.dtype, DType::F32);
  EXPECT_EQ(d.x.shape, (std::vector<std::int64_t>{3, 2}));
  const float* v = d.x.data<float>();
  EXPECT_EQ(std::vector<float>(v, v + 6), x);
  EXPECT_EQ(d.y, (std::vector<std::int32_t>{1, 0, 1}));
  EXPECT_EQ(d.classes, 4);
}

TEST_F(DataReaders, ImageFolderInTheProbesOrder) {
  // Two classes; RGB 3 wide, 2 high. Pixel value encodes (image, channel, y, x).
  auto pixels = [](int image) {
    std::vector<std::uint8_t> p;
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x)
        for (int c = 0; c < 3; ++c) p.push_back(static_cast<std::uint8_t>(image * 100 + c * 20 + y * 5 + x));
    return p;
  };
  write_png("imgs/dog/b.png", 3, 2, 3, pixels(0));
  write_png("imgs/cat/z.png", 3, 2, 3, pixels(1));
  write_png("imgs/cat/B.png", 3, 2, 3, pixels(2));
  write("imgs/.hidden", "ignored by the probe");
  std::string root = (dir_ / "imgs").string();
  PlanNode node = plan_node("image_folder", {{"root", Value::of_path(root)}});
  Dataset d = read_ok(node);
  auto probed = probe::probe_image_folder(root);
  ASSERT_TRUE(probe::ok(probed));
  const auto& summary = std::get<probe::ImageFolderSummary>(probed);
  EXPECT_EQ(summary.files, (std::vector<std::string>{"cat/B.png", "cat/z.png", "dog/b.png"}));
  EXPECT_EQ(d.x.shape, (std::vector<std::int64_t>{3, 3, 2, 3}));
  EXPECT_EQ(d.y, (std::vector<std::int32_t>{0, 0, 1}));
  EXPECT_EQ(d.classes, 2);
  // Sample 0 is cat/B.png = image 2; planar [c][y][x].
  const std::uint8_t* s0 = d.x.bytes.data();
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x)
        EXPECT_EQ(s0[(c * 2 + y) * 3 + x], 200 + c * 20 + y * 5 + x);
  EXPECT_EQ(d.x.bytes[18 * 2], 0);  // dog/b.png = image 0, channel 0, (0, 0)
}

TEST_F(DataReaders, ChangedFileIsRefusedNamingIt) {
  std::string images = write("images.idx", idx(0x08, {2, 2}, std::string("\x01\x02\x03\x04", 4)));
  std::string labels = write("labels.idx", idx(0x08, {2}, std::string("\x00\x01", 2)));
  PlanNode node = plan_node("idx", {{"images", Value::of_path(images)}, {"labels", Value::of_path(labels)}});
  write("images.idx", idx(0x08, {2, 2}, std::string("\x01\x02\x03\x05", 4)));  // same size, other data
  auto result = read_dataset(node, "");
  ASSERT_FALSE(ok(result));
  EXPECT_NE(error(result).message.find("`" + images + "`"), std::string::npos) << error(result).message;
  EXPECT_NE(error(result).message.find("changed"), std::string::npos);

  fs::remove(labels);
  write("images.idx", idx(0x08, {2, 2}, std::string("\x01\x02\x03\x04", 4)));
  result = read_dataset(node, "");
  ASSERT_FALSE(ok(result));
  EXPECT_NE(error(result).message.find("`" + labels + "` does not exist"), std::string::npos)
      << error(result).message;
}

TEST_F(DataReaders, ChangedImageFolderIsRefused) {
  write_png("imgs/a/1.png", 2, 2, 1, {1, 2, 3, 4});
  write_png("imgs/b/1.png", 2, 2, 1, {5, 6, 7, 8});
  std::string root = (dir_ / "imgs").string();
  PlanNode node = plan_node("image_folder", {{"root", Value::of_path(root)}});
  EXPECT_EQ(read_ok(node).x.bytes, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  write_png("imgs/b/1.png", 2, 2, 1, {5, 6, 7, 9});
  auto result = read_dataset(node, "");
  ASSERT_FALSE(ok(result));
  EXPECT_NE(error(result).message.find("`" + root + "`"), std::string::npos) << error(result).message;
}

TEST_F(DataReaders, RelativePathsResolveAgainstTheProjectRoot) {
  std::string images = write("data/images.idx", idx(0x08, {1, 2}, std::string("\x07\x08", 2)));
  std::string labels = write("data/labels.idx", idx(0x08, {1}, std::string("\x00", 1)));
  PlanNode node = plan_node("idx", {{"images", Value::of_path(images)}, {"labels", Value::of_path(labels)}});
  for (PlanFileInput& file : node.files) file.path = plan_relative_path(file.path, dir_.string());
  EXPECT_EQ(node.files[0].path, "data/images.idx");
  auto result = read_dataset(node, dir_.string());
  ASSERT_TRUE(ok(result)) << error(result).message;
  EXPECT_EQ(value(result).x.bytes, (std::vector<std::uint8_t>{7, 8}));
}

TEST_F(DataReaders, CsvAcceptsAndRefusesWhatTheProbeDoes) {
  const std::vector<std::string> texts = {
      "a,b,y\n1,2,x\n",          "a,b,y\n1,2\n",           "a,b,y\n1,2,x,4\n",
      "a,b,y\n1,,x\n",           "a,b,y\n1,2,\n",          "a,b,y\n\"1\"x,2,z\n",
      "a,b,y\n\"1,2,z\n",        "a,b,y\r\n1,2,-1\r\n",   "a,b,y\n1,2,3\n\n\n4,5,6",
      "a,b,y\n0x1,2,3\n",        "a,b,y\n+1,+-2,3\n",      "a,b,y\n1,inf,nan\n",
      "a,b,y\n\"1\"\"\",2,3\n", "a,b,y\n 1 ,\t2\t,\" q \"\n", "",
      "x,y\n1,02\n3,2\n",       "a,b\n1,2\n",
  };
  for (std::size_t t = 0; t < texts.size(); ++t) {
    std::string path = write("t" + std::to_string(t) + ".csv", texts[t]);
    probe::CsvOptions options;
    options.label_column = "y";
    auto probed = probe::probe_csv(path, options);
    auto decoded = decode_csv(path, texts[t], CsvReadOptions{',', true, "y"});
    ASSERT_EQ(probe::ok(probed), ok(decoded))
        << "text " << t << ": probe " << (probe::ok(probed) ? "accepts" : probe::error(probed).message)
        << ", reader " << (ok(decoded) ? "accepts" : error(decoded).message);
    if (!ok(decoded)) continue;
    const auto& summary = std::get<probe::CsvSummary>(probed);
    EXPECT_EQ(value(decoded).dataset.size(), summary.rows) << t;
    EXPECT_EQ(value(decoded).dataset.classes, summary.num_classes) << t;
    EXPECT_EQ(value(decoded).class_names, summary.class_names) << t;
    EXPECT_EQ(value(decoded).columns, summary.columns) << t;
  }
}

TEST(DataFileBytes, MultiMemberGzipAndTrailingGarbage) {
  auto gzip = [](const std::string& text) {
    z_stream s{};
    EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(text.size() + 128, '\0');
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    s.avail_in = static_cast<uInt>(text.size());
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
  };
  auto content = file_content("x.gz", gzip("hello ") + gzip("world") + "junk");
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(value(content), "hello world");
  std::string whole = gzip("some longer text to cut");
  auto truncated = file_content("t.gz", whole.substr(0, whole.size() - 6));
  ASSERT_FALSE(ok(truncated));
  EXPECT_NE(error(truncated).message.find("`t.gz`"), std::string::npos);
  auto plain = file_content("p", "not gzip");
  ASSERT_TRUE(ok(plain));
  EXPECT_EQ(value(plain), "not gzip");
}

}  // namespace
}  // namespace mlf::runtime
