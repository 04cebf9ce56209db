// Identity invariants, end to end: source text → checker → hash_graph → write_plan.
//
// docs/language.md ("Identity: what a hash covers") promises that a node's hash and the plan
// id cover the op, its version, its complete canonical arguments, its inputs, its files'
// bytes and its derived seed — and nothing else: not formatting, comments, binding or param
// names, declaration order or the pipeline's name. These tests edit real pipelines in each of
// those ways and compare what the compiler produces. The per-op sweep over the catalogue is in
// invariants_catalogue_test.cpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "compiler/format/formatter.h"
#include "compiler/hash/canonical.h"
#include "compiler/syntax/parse.h"
#include "tests/unit/pipeline_fixture.h"

namespace mlf {
namespace {

using fixture::Compiled;
using fixture::TempDir;

// One declaration per line, every node bound to a name (so the change tests can refer to
// nodes by label), two unrelated data files, random and deterministic chains, both stages,
// gates and exports.
const char* const kPipeline =
    R"(# invariants.mlflow — one declaration per line
pipeline inv
seed 11  # the root seed
param p_epochs: int = 2
param p_rate: float = 0.01  # a learning rate
param p_hidden: int = 8
dataset d_images = idx(images: "images3.idx", labels: "labels3.idx")  # three 4x4 images
dataset d_table = csv("small.csv", label: "label")
dataset d_shuf = shuffle(d_images)
dataset d_sub = take(d_shuf, n: 2)
augment a_prep = [to_float(scale: 1/255), normalize(mean: 0.5, std: 0.25)]
augment a_jitter = a_prep + [random_hflip(p: 0.5), random_crop(size: 4, padding: 1)]
augment a_tab = [normalize(mean: [4, 5, 6], std: [3, 3, 3])]
dataset d_jit = d_images |> a_jitter
dataset d_prep = d_images |> a_prep
dataset d_valid = d_sub |> a_prep
dataset d_tab = d_table |> a_tab
model m_cnn = sequential [conv2d(out: 2, kernel: 3, padding: 1), relu, max_pool(2), flatten, linear(out: p_hidden), relu, dropout(0.25), linear(out: 3)]
model m_mlp = sequential [linear(out: p_hidden), relu, linear(out: 2)]
stage s_fit = train(m_cnn, data: d_jit, loss: cross_entropy, optimizer: adam(lr: p_rate), epochs: p_epochs, batch: 2)
stage s_score = evaluate(s_fit, data: d_prep, metrics: [accuracy, macro_f1])
stage s_score2 = evaluate(s_fit, data: d_valid, metrics: [loss])
stage s_tfit = train(m_mlp, data: d_tab, loss: cross_entropy(label_smoothing: 0.1), optimizer: sgd(lr: 0.1, momentum: 0.9), schedule: cosine(warmup: 1), epochs: p_epochs)
stage s_tscore = evaluate(s_tfit, data: d_tab, metrics: [accuracy, confusion])
expect s_score.accuracy >= 0.1 and s_score.macro_f1 >= 0.05
expect s_tscore.accuracy >= 0.2
export s_fit to "out/fit.pt"
export s_tscore to "out/score.toml"
)";

// Every binding and param name of kPipeline.
const std::vector<std::string> kNames = {
    "p_epochs", "p_rate",  "p_hidden", "d_images", "d_table", "d_shuf",   "d_sub",
    "a_prep",   "a_jitter", "a_tab",   "d_jit",    "d_prep",  "d_valid",  "d_tab",
    "m_cnn",    "m_mlp",   "s_fit",    "s_score",  "s_score2", "s_tfit",  "s_tscore"};

// What the invariance tests compare: the multiset of node hashes and the plan.
struct Identity {
  std::vector<std::string> hashes;
  std::string plan_id;
  std::string body;
};

class InvariantsHash : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("inv-hash");
    fixture::copy_golden_data(dir_->path());
    main_ = dir_->file("invariants.mlflow");
  }

  Compiled compile(const std::string& text, const fixture::Overrides& overrides = {}) {
    return fixture::compile_text(text, main_, overrides);
  }

  // Compiles and fails the test (with the diagnostics and the text) unless it checks.
  Compiled compile_ok(const std::string& text, const fixture::Overrides& overrides = {}) {
    Compiled out = compile(text, overrides);
    EXPECT_TRUE(out.ok) << out.messages << "\n--- the text was:\n" << text;
    return out;
  }

  Identity identity(const std::string& text, const fixture::Overrides& overrides = {}) {
    Compiled out = compile_ok(text, overrides);
    return {fixture::sorted_hashes(out.graph), out.plan.id.hex(), out.plan.body};
  }

  // The edit described by `what` must change no node hash and not the plan id.
  void expect_same_identity(const std::string& edited, const std::string& what,
                            const fixture::Overrides& overrides = {}) {
    SCOPED_TRACE(what);
    Identity base = identity(kPipeline);
    Identity other = identity(edited, overrides);
    ASSERT_FALSE(base.hashes.empty());
    EXPECT_EQ(base.hashes, other.hashes) << what << " changed a node hash; edited text:\n"
                                         << edited;
    EXPECT_EQ(base.plan_id, other.plan_id) << what << " changed the plan id";
    EXPECT_EQ(base.body, other.body);
  }

  std::unique_ptr<TempDir> dir_;
  std::string main_;
};

// ---- Text transformations that keep the meaning.

// Applies `outside` to every character that is not inside a string literal or a comment;
// string literals are copied as they are, comments are dropped when `drop_comments`.
template <class F>
std::string transform_code(const std::string& text, F outside, bool drop_comments = false) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      std::size_t end = i + 1;
      while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
      out += text.substr(i, end + 1 - i);
      i = end;
    } else if (c == '#') {
      std::size_t end = text.find('\n', i);
      if (end == std::string::npos) end = text.size();
      if (!drop_comments) out += text.substr(i, end - i);
      i = end - 1;
    } else {
      outside(out, c);
    }
  }
  return out;
}

// The whole pipeline on one line: comments dropped, every run of white space one space.
std::string one_line(const std::string& text) {
  std::string out = transform_code(
      text,
      [](std::string& out, char c) {
        if (std::isspace(static_cast<unsigned char>(c))) {
          if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
          out += c;
        }
      },
      true);
  EXPECT_EQ(out.find('\n'), std::string::npos);
  return out;
}

// Every bracket and comma on its own line, odd indentation with tabs, blank lines between
// declarations; with `comments`, a comment after every comma as well.
std::string spread(const std::string& text, bool comments) {
  int n = 0;
  return transform_code(text, [&](std::string& out, char c) {
    switch (c) {
      case ',':
        out += comments ? " ,  # spread " + std::to_string(n++) + "\n\t\t" : " ,\n\t\t";
        break;
      case '(': out += " (\n      "; break;
      case '[': out += "[\n\t"; break;
      case ')': out += "\n   )"; break;
      case ']': out += "\n]"; break;
      case ':': out += " :   "; break;
      case '\n': out += "\n\n\n"; break;
      default: out += c;
    }
  });
}

std::string formatted(const std::string& text) {
  SourceMap sources;
  DiagnosticEngine diagnostics;
  const SourceFile& file = sources.add("invariants.mlflow", text);
  ast::Module module = parse_module(file, diagnostics);
  EXPECT_FALSE(diagnostics.has_errors()) << "the text does not parse:\n" << text;
  return format_module(module, file);
}

std::string replace_word(const std::string& text, const std::string& from, const std::string& to) {
  return std::regex_replace(text, std::regex("\\b" + from + "\\b"), to);
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
    text.replace(at, from.size(), to);
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// ---- Edits that must change nothing.

TEST_F(InvariantsHash, BasePipelineChecksAndEveryNodeIsLabelled) {
  Compiled base = compile_ok(kPipeline);
  ASSERT_TRUE(base.ok);
  EXPECT_EQ(base.graph.nodes.size(), 13u);
  auto labels = fixture::hashes_by_label(base.graph);
  for (const char* name : {"d_images", "d_table", "d_shuf", "d_sub", "d_jit", "d_prep", "d_valid",
                           "d_tab", "s_fit", "s_score", "s_score2", "s_tfit", "s_tscore"})
    EXPECT_EQ(labels.count(name), 1u) << name;
  for (const auto& node : base.graph.nodes) EXPECT_NE(node.hash, Digest{}) << node.label;
  EXPECT_EQ(base.graph.gates.size(), 3u);
  EXPECT_EQ(base.graph.exports.size(), 2u);
}

TEST_F(InvariantsHash, ReformattingChangesNoHash) {
  expect_same_identity(one_line(kPipeline), "the whole pipeline on one line");
  expect_same_identity(spread(kPipeline, false), "brackets and commas on lines of their own");
  std::string tabs = replace_all(replace_all(kPipeline, " ", "\t "), "\n", " \r\n");
  expect_same_identity(tabs, "tabs, trailing blanks and CRLF line ends");
  expect_same_identity(formatted(kPipeline), "format_module's output");
  expect_same_identity(formatted(spread(kPipeline, true)), "format_module of the spread text");
  expect_same_identity(formatted(one_line(kPipeline)), "format_module of the one-line text");
}

TEST_F(InvariantsHash, CommentsChangeNoHash) {
  expect_same_identity(transform_code(kPipeline, [](std::string& o, char c) { o += c; }, true),
                       "all comments removed");
  std::string edited = replace_all(replace_all(kPipeline, "# the root seed", "# 12345 !!"),
                                   "# a learning rate", "#");
  expect_same_identity(edited, "comments edited");
  std::string more;
  int n = 0;
  for (const auto& line : lines_of(kPipeline)) {
    std::string number = std::to_string(n++);
    more += "# before " + number + "\n" + line;
    if (line.find('#') == std::string::npos) more += "  # after " + number;
    more += "\n";
  }
  expect_same_identity(more, "a comment before and after every declaration");
  expect_same_identity(spread(kPipeline, true), "a comment inside every bracket");
}

TEST_F(InvariantsHash, RenamingBindingsAndParamsChangesNoHash) {
  std::string renamed = kPipeline;
  int n = 0;
  for (const auto& name : kNames) renamed = replace_word(renamed, name, "zz" + std::to_string(n++) + "_x");
  for (const auto& name : kNames) ASSERT_EQ(renamed.find(name + " "), std::string::npos) << name;
  expect_same_identity(renamed, "every binding and param renamed");

  // The labels section names the nodes: it changes, the body does not.
  Compiled base = compile_ok(kPipeline);
  Compiled other = compile_ok(renamed);
  EXPECT_NE(base.plan.labels, other.plan.labels);

  // An override through the new name is the same override.
  std::string epochs_renamed = replace_word(kPipeline, "p_epochs", "n_passes");
  Identity a = identity(kPipeline, {{"p_epochs", "3"}});
  Identity b = identity(epochs_renamed, {{"n_passes", "3"}});
  EXPECT_EQ(a.hashes, b.hashes);
  EXPECT_EQ(a.plan_id, b.plan_id);
}

TEST_F(InvariantsHash, ReorderingDeclarationsChangesNoHash) {
  std::vector<std::string> lines = lines_of(kPipeline);
  ASSERT_GT(lines.size(), 20u);
  std::vector<std::string> reversed(lines.rbegin(), lines.rend());
  expect_same_identity(join_lines(reversed), "declarations in reverse order");
  for (unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
    std::vector<std::string> shuffled = lines;
    std::mt19937 random(seed);
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    expect_same_identity(join_lines(shuffled), "declarations shuffled with seed " +
                                                   std::to_string(seed));
  }
  // Gates and exports swapped among themselves.
  std::vector<std::string> swapped = lines;
  std::reverse(swapped.end() - 4, swapped.end());
  expect_same_identity(join_lines(swapped), "gates and exports in reverse order");
}

TEST_F(InvariantsHash, MovingDeclarationsIntoAnImportedFileChangesNoHash) {
  std::string main, library;
  for (const auto& line : lines_of(kPipeline)) {
    bool moved = line.rfind("dataset ", 0) == 0 || line.rfind("augment ", 0) == 0 ||
                 line.rfind("model ", 0) == 0;
    (moved ? library : main) += line + "\n";
  }
  ASSERT_FALSE(library.empty());
  // The imported file lives in a subfolder: its data paths are relative to it.
  for (const char* data : {"images3.idx", "labels3.idx", "small.csv"})
    library = replace_all(library, "\"" + std::string(data) + "\"", "\"../" + std::string(data) + "\"");
  fixture::write_bytes(dir_->file("lib/definitions.mlflow"), library);
  expect_same_identity("import \"lib/definitions.mlflow\"\n" + main,
                       "datasets, chains and models moved into an imported file");
}

TEST_F(InvariantsHash, RenamingOrRemovingThePipelineChangesNoHash) {
  expect_same_identity(replace_all(kPipeline, "pipeline inv\n", "pipeline something_else\n"),
                       "pipeline renamed");
  expect_same_identity(replace_all(kPipeline, "pipeline inv\n", ""), "pipeline line removed");
}

TEST_F(InvariantsHash, EquivalentSpellingsOfOneValueChangeNoHash) {
  expect_same_identity(replace_all(kPipeline, "kernel: 3", "kernel: [3, 3]"),
                       "kernel: 3 written [3, 3]");
  expect_same_identity(replace_all(kPipeline, "scale: 1/255", "scale: 0.00392156862745098"),
                       "1/255 written as its shortest decimal");
  expect_same_identity(replace_all(kPipeline, "std: 0.25", "std: 1/4"), "0.25 written 1/4");
  expect_same_identity(replace_all(kPipeline, "std: [3, 3, 3]", "std: [3.0, 3e0, 6/2]"),
                       "ints given for a float list");
  expect_same_identity(replace_all(kPipeline, "epochs: p_epochs)", "epochs: 2)"),
                       "a param replaced by its value");
  expect_same_identity(replace_all(kPipeline, "max_pool(2)", "max_pool(kernel: 2)"),
                       "positional argument written by name");
  expect_same_identity(replace_all(kPipeline, "loss: cross_entropy,", "loss: cross_entropy(),"),
                       "a bare op written with empty parentheses");
  expect_same_identity(
      replace_all(kPipeline, "loss: cross_entropy,", "loss: cross_entropy(label_smoothing: 0),"),
      "a default written out");
  expect_same_identity(
      replace_all(kPipeline, "param p_epochs: int = 2", "param p_epochs: int = 7"), "a param's default overridden back to its value",
      {{"p_epochs", "2"}});
}

// docs/language.md: "`ds |> a |> b` is `ds |> (a + b)`: one chain over the source dataset, one
// node, the same hash." The intermediate `ds |> a` must not be left behind as a node of its own.
TEST_F(InvariantsHash, ChainedPipesAreOneNode) {
  const std::string with_sum =
      "seed 1\n"
      "dataset d = idx(images: \"images3.idx\", labels: \"labels3.idx\")\n"
      "augment a = [to_float()]\n"
      "augment b = [random_hflip()]\n"
      "dataset x = d |> (a + b)\n"
      "model m = sequential [flatten, linear(out: 3)]\n"
      "stage fit = train(m, data: x, loss: cross_entropy, optimizer: sgd(lr: 0.1), epochs: 1)\n";
  Compiled summed = compile_ok(with_sum);
  Compiled piped = compile_ok(replace_all(with_sum, "d |> (a + b)", "d |> a |> b"));
  Compiled listed = compile_ok(replace_all(with_sum, "d |> (a + b)", "d |> [to_float(), random_hflip()]"));
  ASSERT_TRUE(summed.ok && piped.ok && listed.ok);
  EXPECT_EQ(summed.graph.nodes.size(), 3u);  // reader, augment, train
  EXPECT_EQ(fixture::sorted_hashes(summed.graph), fixture::sorted_hashes(listed.graph));
  EXPECT_EQ(summed.plan.id, listed.plan.id);
  // The same, written with two pipes.
  EXPECT_EQ(fixture::sorted_hashes(summed.graph), fixture::sorted_hashes(piped.graph))
      << "`d |> a |> b` leaves the intermediate `d |> a` in the graph";
  EXPECT_EQ(summed.plan.id, piped.plan.id) << "`d |> a |> b` and `d |> (a + b)` differ in the plan";
}

// ---- Edits that must change exactly what they touch and what depends on it.

// Compares two compilations of kPipeline-like texts node by node (by label): the nodes in
// `changed` must have new hashes, every other node the same hash.
void expect_changed_exactly(const Compiled& before, const Compiled& after,
                            const std::set<std::string>& changed, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(before.ok && after.ok);
  auto a = fixture::hashes_by_label(before.graph);
  auto b = fixture::hashes_by_label(after.graph);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& name : changed) EXPECT_EQ(a.count(name), 1u) << "no node " << name;
  for (const auto& [label, hash] : a) {
    ASSERT_EQ(b.count(label), 1u) << label;
    if (changed.count(label))
      EXPECT_NE(hash, b.at(label)) << what << " should change node " << label;
    else
      EXPECT_EQ(hash, b.at(label)) << what << " should not change node " << label;
  }
  EXPECT_NE(before.plan.id, after.plan.id) << what << " should change the plan id";
}

TEST_F(InvariantsHash, RootSeedChangesRandomNodesAndWhatDependsOnThemOnly) {
  Compiled before = compile_ok(kPipeline);
  Compiled after = compile_ok(replace_all(kPipeline, "seed 11", "seed 12"));
  ASSERT_TRUE(before.ok && after.ok);
  EXPECT_EQ(after.graph.root_seed, 12);
  // Readers and deterministic chains over them keep their hashes; shuffle, random chains,
  // training and everything downstream change.
  expect_changed_exactly(before, after,
                         {"d_shuf", "d_sub", "d_valid", "d_jit", "s_fit", "s_score", "s_score2",
                          "s_tfit", "s_tscore"},
                         "a new root seed");
  // The random steps of the jitter chain draw from new streams, the deterministic ones have
  // none.
  auto chain_of = [](const Compiled& c) {
    for (const auto& node : c.graph.nodes)
      if (node.label == "d_jit") return node.chain;
    return std::vector<AugmentStep>{};
  };
  auto x = chain_of(before), y = chain_of(after);
  ASSERT_EQ(x.size(), 4u);
  ASSERT_EQ(y.size(), 4u);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i].op->op->random) {
      EXPECT_NE(x[i].stream, Digest{}) << i;
      EXPECT_NE(x[i].stream, y[i].stream) << i;
    } else {
      EXPECT_EQ(x[i].stream, Digest{}) << i;
      EXPECT_EQ(y[i].stream, Digest{}) << i;
    }
  }
}

TEST_F(InvariantsHash, OneByteOfADataFileChangesItsReaderAndWhatDependsOnIt) {
  Compiled before = compile_ok(kPipeline);
  std::string images = fixture::read_text(dir_->file("images3.idx"));
  ASSERT_EQ(images.size(), 16u + 3 * 4 * 4);  // header, then [3, 4, 4] u8
  images[16 + 21] = static_cast<char>(images[16 + 21] ^ 0x01);
  fixture::write_bytes(dir_->file("images3.idx"), images);
  Compiled after = compile_ok(kPipeline);
  expect_changed_exactly(before, after,
                         {"d_images", "d_shuf", "d_sub", "d_jit", "d_prep", "d_valid", "s_fit",
                          "s_score", "s_score2"},
                         "one flipped bit of images3.idx");
}

TEST_F(InvariantsHash, AMovedFileWithTheSameBytesIsTheSameData) {
  Compiled before = compile_ok(kPipeline);
  fixture::write_bytes(dir_->file("moved/elsewhere.idx"),
                       fixture::read_text(dir_->file("images3.idx")));
  Compiled after = compile_ok(replace_all(kPipeline, "\"images3.idx\"", "\"moved/elsewhere.idx\""));
  ASSERT_TRUE(before.ok && after.ok);
  EXPECT_EQ(fixture::sorted_hashes(before.graph), fixture::sorted_hashes(after.graph));
}

TEST_F(InvariantsHash, AParamValueChangesTheStagesThatUseItOnly) {
  Compiled before = compile_ok(kPipeline);
  Compiled after = compile_ok(kPipeline, {{"p_epochs", "3"}});
  expect_changed_exactly(before, after, {"s_fit", "s_score", "s_score2", "s_tfit", "s_tscore"},
                         "-p p_epochs=3");
  // A param that only the image model uses leaves the table branch alone.
  Compiled hidden = compile_ok(replace_all(kPipeline, "linear(out: p_hidden), relu, linear(out: 2)",
                                           "linear(out: 8), relu, linear(out: 2)"),
                               {{"p_hidden", "16"}});
  expect_changed_exactly(before, hidden, {"s_fit", "s_score", "s_score2"}, "-p p_hidden=16");
  // The same value through an override and through the declaration is the same pipeline.
  Compiled declared = compile_ok(replace_all(kPipeline, "p_epochs: int = 2", "p_epochs: int = 3"));
  EXPECT_EQ(after.plan.id, declared.plan.id);
}

// ---- Augment chains: a step's random stream does not depend on its position.

// Canonical op text and occurrence → stream, for every step of the one augment node.
std::map<std::string, Digest> streams_of(const Compiled& compiled) {
  std::map<std::string, Digest> out;
  int augment_nodes = 0;
  for (const auto& node : compiled.graph.nodes) {
    if (node.kind != NodeKind::Augment) continue;
    ++augment_nodes;
    for (const auto& step : node.chain) {
      std::string key = canonical_call(*step.op) + "#" + std::to_string(step.occurrence);
      EXPECT_TRUE(out.emplace(key, step.stream).second) << key;
      EXPECT_EQ(step.stream == Digest{}, !step.op->op->random) << key;
    }
  }
  EXPECT_EQ(augment_nodes, 1);
  return out;
}

TEST_F(InvariantsHash, InsertingRemovingOrReorderingAugmentStepsKeepsTheOtherStreams) {
  auto pipeline = [](const std::string& chain) {
    return "seed 5\n"
           "dataset d = idx(images: \"images3.idx\", labels: \"labels3.idx\")\n"
           "dataset a = d |> [" + chain + "]\n";
  };
  const std::string base_chain =
      "to_float(), random_hflip(), random_crop(size: 4, padding: 1), random_hflip(), "
      "gaussian_noise(std: 0.1)";
  Compiled base = compile_ok(pipeline(base_chain));
  ASSERT_TRUE(base.ok);
  auto base_streams = streams_of(base);
  ASSERT_EQ(base_streams.size(), 5u);
  // The two identical flips are told apart by their occurrence, not their position.
  std::set<Digest> distinct;
  for (const auto& [key, stream] : base_streams)
    if (stream != Digest{}) distinct.insert(stream);
  EXPECT_EQ(distinct.size(), 4u) << "random steps share a stream";

  const std::vector<std::pair<std::string, std::string>> variants = {
      {"a random op inserted first",
       "to_float(), random_vflip(), random_hflip(), random_crop(size: 4, padding: 1), "
       "random_hflip(), gaussian_noise(std: 0.1)"},
      {"ops inserted in the middle",
       "to_float(), random_hflip(), random_affine(degrees: 5), clamp(min: -1, max: 2), "
       "random_crop(size: 4, padding: 1), random_hflip(), gaussian_noise(std: 0.1)"},
      {"ops inserted last",
       "to_float(), random_hflip(), random_crop(size: 4, padding: 1), random_hflip(), "
       "gaussian_noise(std: 0.1), cutout(size: 2), mixup(alpha: 0.2)"},
      {"the crop removed",
       "to_float(), random_hflip(), random_hflip(), gaussian_noise(std: 0.1)"},
      {"steps reordered",
       "to_float(), gaussian_noise(std: 0.1), random_hflip(), random_hflip(), "
       "random_crop(size: 4, padding: 1)"},
      {"a different op of the same name inserted",
       "to_float(), random_hflip(p: 0.25), random_hflip(), random_crop(size: 4, padding: 1), "
       "random_hflip(), gaussian_noise(std: 0.1)"},
  };
  for (const auto& [what, chain] : variants) {
    SCOPED_TRACE(what);
    Compiled other = compile_ok(pipeline(chain));
    if (!other.ok) continue;
    auto streams = streams_of(other);
    int shared = 0;
    for (const auto& [key, stream] : streams) {
      auto it = base_streams.find(key);
      if (it == base_streams.end()) continue;
      ++shared;
      EXPECT_EQ(it->second, stream) << what << " changed the stream of " << key;
    }
    EXPECT_GE(shared, 4) << what;
    // The augment node itself is a different node.
    EXPECT_NE(fixture::sorted_hashes(base.graph), fixture::sorted_hashes(other.graph)) << what;
  }

  // A third identical flip takes occurrence 2; the first two keep theirs.
  Compiled three = compile_ok(pipeline("random_hflip(), " + base_chain));
  auto streams = streams_of(three);
  EXPECT_EQ(streams.size(), 6u);
  for (const auto& [key, stream] : base_streams) EXPECT_EQ(streams.at(key), stream) << key;
}

}  // namespace
}  // namespace mlf
