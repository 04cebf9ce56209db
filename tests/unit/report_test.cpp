// `mlf report`: the report of a run assembled by hand in a store (every part, no LibTorch),
// and of a small pipeline run end to end through the CLI.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "runtime/data/tensor.h"
#include "runtime/exec/weights_codec.h"
#include "runtime/record/run_record.h"
#include "runtime/report/html_report.h"
#include "runtime/report/run_report_data.h"
#include "runtime/store/object_store.h"
#include "cli_runner.h"
#include "scratch_dir.h"

namespace fs = std::filesystem;
using namespace mlf::runtime;

namespace {

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// The structure every report must have, whatever the run: one document, balanced SVG, no
// script and nothing fetched from anywhere.
void expect_self_contained_html(const std::string& html) {
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "<html"), 1u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_GE(count(html, "<svg"), 1u);
  EXPECT_EQ(count(html, "<svg"), count(html, "</svg>"));
  EXPECT_EQ(count(html, "<table"), count(html, "</table>"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http:"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  EXPECT_EQ(html.find("src=\"//"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // Every embedded resource is a data URI.
  std::regex src("src=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), src); it != std::sregex_iterator(); ++it)
    EXPECT_EQ((*it)[1].str().rfind("data:image/png;base64,", 0), 0u) << (*it)[1].str().substr(0, 40);
}

class ReportFromStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = ObjectStore::open(scratch_.store());
    ASSERT_TRUE(opened.ok());
    store_ = std::make_unique<ObjectStore>(std::move(opened.value()));
  }

  std::string put(const std::string& bytes) {
    auto digest = store_->put(bytes);
    EXPECT_TRUE(digest.ok());
    return digest.value().hex();
  }

  // A run of read → train → evaluate over 6 gray 8×8 images of 3 classes.
  RunRecord make_run(bool with_confusion, bool with_dataset) {
    Dataset data;
    data.x = Tensor::zeros(mlf::DType::F32, {6, 1, 8, 8});
    for (std::int64_t i = 0; i < data.x.elements(); ++i) data.x.data<float>()[i] = float(i % 13) * 0.1f;
    data.y = {0, 1, 2, 0, 1, 2};
    data.classes = 3;
    data.source_index = {0, 1, 2, 3, 4, 5};

    Predictions predictions;
    predictions.labels = data.y;
    predictions.predicted = {0, 2, 2, 0, 1, 1};
    predictions.losses = {0.1f, 2.5f, 0.2f, 0.05f, 0.3f, 1.7f};
    predictions.logits.shape = {6, 3};
    predictions.logits.values.assign(18, 0.0f);

    RunRecord run;
    run.id = "20261124T100000Z-abcdef";
    run.plan_id = std::string(64, 'a');
    run.pipeline = "tiny";
    run.status = "ok";
    NodeRecord read{std::string(64, '1'), "images", "read", "on demand", "", 0.0, {}, {}, {}};
    if (with_dataset) read.outputs["data"] = put(serialize(data));
    NodeRecord fit{std::string(64, '2'), "fit", "train", "ran", "first run", 1.25, {}, {}, {}};
    fit.identity["input.0"] = "images " + read.id;
    fit.outputs["log"] = put("epoch,loss,learning_rate\n0,1.5,0.1\n1,0.9,0.05\n2,0.6,0.025\n");
    NodeRecord score{std::string(64, '3'), "score", "evaluate", "cached", "", 0.5, {}, {}, {}};
    score.identity["input.0"] = "fit " + fit.id;
    score.identity["input.1"] = "images " + read.id;
    score.outputs["predictions"] = put(encode_predictions(predictions));
    if (with_confusion) score.outputs["confusion"] = put("2,0,0\n0,1,1\n0,1,1\n");
    score.metrics["accuracy"] = 4.0 / 6.0;
    run.nodes = {read, fit, score};
    run.gates.push_back(GateRecord{"score.accuracy >= 0.5", "score", "accuracy", ">=", 0.5, 4.0 / 6.0, true});
    EXPECT_TRUE(store_->write_text("runs/" + run.id + ".toml", render_run_record(run)).ok());
    return run;
  }

  mlf::test_support::ScratchDir scratch_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ReportFromStore, ShowsEveryPartOfARun) {
  RunRecord run = make_run(true, true);
  ReportRun loaded = load_report_run(*store_, run, 3);
  ASSERT_EQ(loaded.stages.size(), 2u);
  EXPECT_EQ(loaded.stages[0].log.size(), 3u);
  // The three highest losses, highest first.
  const auto& worst = loaded.stages[1].worst;
  ASSERT_EQ(worst.size(), 3u);
  EXPECT_EQ(worst[0].index, 1);
  EXPECT_EQ(worst[1].index, 5);
  EXPECT_EQ(worst[2].index, 4);
  EXPECT_FALSE(worst[0].image_uri.empty());

  std::string html = render_html_report({loaded});
  expect_self_contained_html(html);
  EXPECT_EQ(count(html, "<img"), 3u);
  EXPECT_NE(html.find("Confusion matrix of score"), std::string::npos);
  EXPECT_NE(html.find("loss per epoch"), std::string::npos);
  EXPECT_NE(html.find("score.accuracy &gt;= 0.5"), std::string::npos);
  EXPECT_NE(html.find("0.6667"), std::string::npos);
  // Graph: three boxes and the three edges read → train, train → evaluate, read → evaluate.
  EXPECT_EQ(count(html, "<rect x="), 3u + 2u /* the two charts' plot areas */);
  EXPECT_EQ(count(html, "stroke=\"#888\""), 3u);
  EXPECT_EQ(render_html_report({loaded}), html) << "the same run must give the same bytes";
}

TEST_F(ReportFromStore, ComputesTheConfusionMatrixFromPredictions) {
  RunRecord run = make_run(false, true);
  ReportRun loaded = load_report_run(*store_, run, 0);
  std::vector<std::vector<std::int64_t>> expected = {{2, 0, 0}, {0, 1, 1}, {0, 1, 1}};
  EXPECT_EQ(loaded.stages[1].confusion, expected);
}

TEST_F(ReportFromStore, MissingPartsBecomeNotesNotFailures) {
  RunRecord run = make_run(true, false);
  // A damaged log object: the report says so and shows the rest.
  fs::path log = store_->object_path([&] {
    mlf::Digest d;
    mlf::Digest::from_hex(run.nodes[1].outputs["log"], d);
    return d;
  }());
  fs::remove(log);
  ReportRun loaded = load_report_run(*store_, run, 2);
  std::string html = render_html_report({loaded});
  expect_self_contained_html(html);
  EXPECT_NE(html.find("training log not shown"), std::string::npos);
  EXPECT_NE(html.find("samples not shown"), std::string::npos);
  EXPECT_EQ(count(html, "<img"), 0u);
}

TEST_F(ReportFromStore, ReadsTheRunRecordsOfTheStore) {
  RunRecord run = make_run(true, true);
  auto runs = read_run_records(*store_);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, run.id);
  EXPECT_EQ(runs[0].nodes.size(), 3u);
}

TEST_F(ReportFromStore, PutsSeveralRunsSideBySide) {
  RunRecord run = make_run(true, true);
  ReportRun a = load_report_run(*store_, run, 2);
  ReportRun b = a;
  b.record.id = "20261124T110000Z-123456";
  b.record.nodes[2].metrics["accuracy"] = 0.5;
  std::string html = render_html_report({a, b});
  expect_self_contained_html(html);
  EXPECT_NE(html.find("<h2>Comparison</h2>"), std::string::npos);
  EXPECT_NE(html.find("repeat(2,"), std::string::npos);
  EXPECT_EQ(count(html, "<section class=\"run\">"), 2u);
  EXPECT_NE(html.find("0.5000"), std::string::npos);
}

using mlf::test_support::run_command;
using Output = mlf::test_support::CliOutput;

// A tiny pipeline through `mlf run` and `mlf report`; the language server then sees its
// stages as cached.
TEST(ReportEndToEnd, ReportsARealRunAndTheServerSeesItCached) {
  if (!fs::exists(fs::path(MLF_BINARY).parent_path() / "mlf_torch_backend.so"))
    GTEST_SKIP() << "the LibTorch backend is not built";
  mlf::test_support::ScratchDir dir;
  std::string csv = "a,b,label\n";
  for (int i = 0; i < 40; ++i)
    csv += std::to_string(i % 2 ? 1.5 : -1.5) + "," + std::to_string(i % 2 ? -1.0 : 1.0 + 0.01 * i) +
           "," + (i % 2 ? "yes" : "no") + "\n";
  dir.write("points.csv", csv);
  std::string source =
      "pipeline points\nseed 3\n"
      "dataset all = csv(\"points.csv\", label: \"label\")\n"
      "dataset train = split(all, fraction: 0.75)\n"
      "dataset test = split(all, fraction: 0.75, part: \"second\")\n"
      "model mlp = sequential [ linear(out: 4), relu, linear(out: 2) ]\n"
      "stage fit = train(mlp, data: train, loss: cross_entropy, optimizer: adam(lr: 0.05), epochs: 3, batch: 8)\n"
      "stage score = evaluate(fit, data: test, metrics: [accuracy, confusion, loss])\n";
  dir.write("points.mlflow", source);
  std::string cd = "cd " + dir.root() + " && ";
  Output ran = run_command(cd + MLF_BINARY + " run points.mlflow --threads 1");
  ASSERT_EQ(ran.exit_code, 0) << ran.text;
  Output runs = run_command(cd + MLF_BINARY + " runs --json");
  std::smatch id;
  ASSERT_TRUE(std::regex_search(runs.text, id, std::regex("\"id\":\"([^\"]+)\""))) << runs.text;

  // A unique prefix of the id is enough.
  // LD_DEBUG=libs traces every library loaded: neither command may load LibTorch or LLVM.
  auto expect_light = [](const Output& out, const std::string& what) {
    for (const char* heavy : {"libtorch", "libc10", "libLLVM", "mlf_torch_backend", "mlf_fuse_backend"})
      EXPECT_EQ(out.text.find(heavy), std::string::npos) << what << " loads " << heavy;
  };
  Output report = run_command(cd + "LD_DEBUG=libs " + MLF_BINARY + " report " +
                              id[1].str().substr(0, 12) + " -o out/report.html");
  ASSERT_EQ(report.exit_code, 0) << report.text;
  expect_light(report, "mlf report");
  std::ifstream in(dir.path("out/report.html"));
  std::stringstream html;
  html << in.rdbuf();
  expect_self_contained_html(html.str());
  EXPECT_NE(html.str().find("Training of fit"), std::string::npos);
  EXPECT_NE(html.str().find("Confusion matrix of score"), std::string::npos);
  EXPECT_NE(html.str().find("Highest-loss samples of score"), std::string::npos);

  Output unknown = run_command(cd + MLF_BINARY + " report no-such-run");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.text;
  EXPECT_NE(unknown.text.find("no run `no-such-run`"), std::string::npos) << unknown.text;

  // Hover over `fit` (line 7, column 7) in the server: cached, with the time it took.
  std::string uri = "file://" + fs::canonical(dir.path("points.mlflow")).string();
  auto frame = [](const std::string& body) {
    return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  std::string escaped;
  for (char c : source) escaped += c == '\n' ? std::string("\\n") : c == '"' ? std::string("\\\"") : std::string(1, c);
  std::string session =
      frame(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})") +
      frame(R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":")" + uri +
            R"(","languageId":"mlflow","version":1,"text":")" + escaped + R"("}}})") +
      frame(R"({"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":")" + uri +
            R"("},"position":{"line":6,"character":7}}})") +
      frame(R"({"jsonrpc":"2.0","id":3,"method":"shutdown"})") + frame(R"({"jsonrpc":"2.0","method":"exit"})");
  dir.write("session.in", session);
  Output served = run_command(cd + "LD_DEBUG=libs " + MLF_BINARY + " lsp < session.in");
  EXPECT_EQ(served.exit_code, 0) << served.text;
  expect_light(served, "mlf lsp");
  EXPECT_NE(served.text.find("cached in the store"), std::string::npos) << served.text;
}

}  // namespace
