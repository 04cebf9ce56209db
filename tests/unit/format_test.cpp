// The formatter: canonical layout, idempotence, comments kept, meaning unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "compiler/format/formatter.h"
#include "compiler/syntax/parse.h"

namespace mlf {
namespace testing {
// Defined in syntax_test.cpp: the module's trees printed without spans.
std::string dump_module(const ast::Module& module);
}  // namespace testing

namespace {

const char* const kExample = R"(# fashion.mlflow — a small CNN on Fashion-MNIST
pipeline fashion

seed 42                                  # root of every random stream in the file

param epochs: int   = 5                  # overridable: mlf run -p epochs=1
param lr:     float = 1e-3

dataset train = idx(images: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
                    labels: "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz")
dataset test  = idx(images: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
                    labels: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")

augment prep = [ to_float(scale: 1/255), normalize(mean: 0.286, std: 0.353) ]
augment jitter = prep + [ random_hflip(p: 0.5), random_affine(degrees: 10, translate: 0.1) ]

model cnn = sequential [
  conv2d(out: 32, kernel: 3, padding: 1), relu, max_pool(2),
  conv2d(out: 64, kernel: 3, padding: 1), relu, max_pool(2),
  flatten,
  linear(out: 128), relu, dropout(0.25),
  linear(out: 10),
]

stage fit   = train(cnn, data: train |> jitter, loss: cross_entropy,
                    optimizer: adam(lr: lr), epochs: epochs, batch: 128)
stage score = evaluate(fit, data: test |> prep, metrics: [accuracy, macro_f1])

expect score.accuracy >= 0.90            # a gate: the run fails, loudly, if it does not hold
export fit to "out/cnn.pt"               # copies an artifact out of the store
)";

const char* const kExampleFormatted = R"(# fashion.mlflow — a small CNN on Fashion-MNIST
pipeline fashion

seed 42  # root of every random stream in the file

param epochs: int = 5  # overridable: mlf run -p epochs=1
param lr: float = 1e-3

dataset train = idx(
  images: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
  labels: "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz",
)
dataset test = idx(
  images: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
  labels: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz",
)

augment prep = [to_float(scale: 1 / 255), normalize(mean: 0.286, std: 0.353)]
augment jitter = prep + [random_hflip(p: 0.5), random_affine(degrees: 10, translate: 0.1)]

model cnn = sequential [
  conv2d(out: 32, kernel: 3, padding: 1),
  relu,
  max_pool(2),
  conv2d(out: 64, kernel: 3, padding: 1),
  relu,
  max_pool(2),
  flatten,
  linear(out: 128),
  relu,
  dropout(0.25),
  linear(out: 10),
]

stage fit = train(
  cnn,
  data: train |> jitter,
  loss: cross_entropy,
  optimizer: adam(lr: lr),
  epochs: epochs,
  batch: 128,
)
stage score = evaluate(fit, data: test |> prep, metrics: [accuracy, macro_f1])

expect score.accuracy >= 0.90  # a gate: the run fails, loudly, if it does not hold
export fit to "out/cnn.pt"  # copies an artifact out of the store
)";

struct Parsed {
  SourceMap sources;
  DiagnosticEngine diagnostics;
  ast::Module module;
  const SourceFile* file = nullptr;
};

std::unique_ptr<Parsed> parse(std::string text) {
  auto parsed = std::make_unique<Parsed>();
  parsed->file = &parsed->sources.add("test.mlflow", std::move(text));
  parsed->module = parse_module(*parsed->file, parsed->diagnostics);
  return parsed;
}

std::string messages(const DiagnosticEngine& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics.sorted()) out += code_string(d.kind) + " " + d.message + "\n";
  return out;
}

std::string format_text(const std::string& text) {
  auto parsed = parse(text);
  EXPECT_FALSE(parsed->diagnostics.has_errors()) << text << "\n" << messages(parsed->diagnostics);
  return format_module(parsed->module, *parsed->file);
}

std::vector<std::string> comment_texts(const ast::Module& module) {
  std::vector<std::string> texts;
  for (const auto& comment : module.comments) texts.push_back(comment.text);
  return texts;
}

// The three laws: the output parses cleanly to the same trees with the same comments, and
// formatting it again changes nothing. Returns the formatted text.
std::string check_laws(const std::string& text) {
  auto original = parse(text);
  EXPECT_FALSE(original->diagnostics.has_errors()) << text << "\n"
                                                   << messages(original->diagnostics);
  std::string once = format_module(original->module, *original->file);
  auto reparsed = parse(once);
  EXPECT_EQ(reparsed->diagnostics.total(), 0u) << "input:\n"
                                               << text << "\nformatted:\n"
                                               << once << "\n"
                                               << messages(reparsed->diagnostics);
  EXPECT_EQ(testing::dump_module(reparsed->module), testing::dump_module(original->module))
      << "input:\n"
      << text << "\nformatted:\n"
      << once;
  std::vector<std::string> before = comment_texts(original->module);
  std::vector<std::string> after = comment_texts(reparsed->module);
  EXPECT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < std::min(before.size(), after.size()); ++i) {
    if (before[i] == after[i]) continue;
    ADD_FAILURE() << "comment " << i << " is `" << after[i] << "`, was `" << before[i]
                  << "`\ninput:\n"
                  << text << "\nformatted:\n"
                  << once;
    break;
  }
  std::string twice = format_module(reparsed->module, *reparsed->file);
  EXPECT_EQ(twice, once) << "input:\n" << text;
  return once;
}

// Offsets just after each token of `text` (a small lexer of its own, so the test does not
// depend on the one under test).
std::vector<std::size_t> token_ends(const std::string& text) {
  std::vector<std::size_t> ends;
  std::size_t i = 0;
  auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '"') {
      ++i;
      while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      ++i;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < text.size() &&
                std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      while (i < text.size() &&
             (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
        ++i;
      if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (text[i] == '+' || text[i] == '-') ++i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
      }
    } else if (ident(c)) {
      while (i < text.size() && ident(text[i])) ++i;
    } else if (i + 1 < text.size() &&
               (text.compare(i, 2, "|>") == 0 || text.compare(i, 2, "<=") == 0 ||
                text.compare(i, 2, ">=") == 0 || text.compare(i, 2, "==") == 0 ||
                text.compare(i, 2, "!=") == 0)) {
      i += 2;
    } else {
      ++i;
    }
    ends.push_back(i);
  }
  return ends;
}

// ---------------------------------------------------------------------------- layout

TEST(Format, BriefExampleCanonicalLayout) {
  EXPECT_EQ(format_text(kExample), kExampleFormatted);
  EXPECT_EQ(format_text(kExampleFormatted), kExampleFormatted);
  check_laws(kExample);
}

TEST(Format, OddSpacingIsNormalized) {
  std::string text =
      "\n\n\n   pipeline    fashion   seed 42 param lr:float=1e-3\n\n\n\n"
      "augment prep=[to_float(scale:1/255),normalize(mean:0.286,std:0.353)]\n"
      "   stage s=f( a ,b:[1,2,] , )   expect s.x>=1 and not s.y\n";
  EXPECT_EQ(check_laws(text),
            "pipeline fashion\n"
            "seed 42\n"
            "param lr: float = 1e-3\n"
            "\n"
            "augment prep = [to_float(scale: 1 / 255), normalize(mean: 0.286, std: 0.353)]\n"
            "stage s = f(a, b: [1, 2])\n"
            "expect s.x >= 1 and not s.y\n");
}

TEST(Format, EmptyAndCommentOnlyFiles) {
  EXPECT_EQ(format_text(""), "");
  EXPECT_EQ(format_text("\n\n  \n"), "");
  EXPECT_EQ(check_laws("\n\n# only a comment   \n\n\n# another\n\n"),
            "# only a comment\n\n# another\n");
}

TEST(Format, SweepBodiesAreIndented) {
  std::string text = R"(sweep lr in [0.1, 0.01] { stage fit = train(cnn, lr: lr)
sweep b in [32,64]{stage s=f(b)}
  # last in the body
}
sweep empty in [1] { }
)";
  EXPECT_EQ(check_laws(text),
            "sweep lr in [0.1, 0.01] {\n"
            "  stage fit = train(cnn, lr: lr)\n"
            "  sweep b in [32, 64] {\n"
            "    stage s = f(b)\n"
            "  }\n"
            "  # last in the body\n"
            "}\n"
            "sweep empty in [1] {}\n");
}

TEST(Format, OutermostGroupThatDoesNotFitBreaksFirst) {
  std::string text =
      "stage fit = train(cnn, data: train |> jitter, loss: cross_entropy, optimizer: adam(lr: lr, "
      "betas: [0.9, 0.999]), epochs: epochs)";
  EXPECT_EQ(check_laws(text),
            "stage fit = train(\n"
            "  cnn,\n"
            "  data: train |> jitter,\n"
            "  loss: cross_entropy,\n"
            "  optimizer: adam(lr: lr, betas: [0.9, 0.999]),\n"
            "  epochs: epochs,\n"
            ")\n");
  // Recursively: an element that still does not fit breaks in turn.
  std::string nested =
      "model m = sequential [residual [conv2d(out: 64, kernel: 3, padding: 1), "
      "batch_norm, relu, conv2d(out: 64, kernel: 3, padding: 1), batch_norm], relu]";
  EXPECT_EQ(check_laws(nested),
            "model m = sequential [\n"
            "  residual [\n"
            "    conv2d(out: 64, kernel: 3, padding: 1),\n"
            "    batch_norm,\n"
            "    relu,\n"
            "    conv2d(out: 64, kernel: 3, padding: 1),\n"
            "    batch_norm,\n"
            "  ],\n"
            "  relu,\n"
            "]\n");
}

TEST(Format, ExactlyHundredColumnsFit) {
  std::string line = "stage s = f(" + std::string(86, 'a') + ")";
  ASSERT_EQ(line.size(), 99u);
  EXPECT_EQ(check_laws(line), line + "\n");
  std::string hundred = "stage s = f(" + std::string(87, 'a') + ")";
  EXPECT_EQ(check_laws(hundred), hundred + "\n");
  std::string over = "stage s = f(" + std::string(88, 'a') + ")";
  EXPECT_EQ(check_laws(over), "stage s = f(\n  " + std::string(88, 'a') + ",\n)\n");
}

TEST(Format, ParenthesesFollowPrecedence) {
  EXPECT_EQ(check_laws("seed ((a + b)) * (c)"), "seed (a + b) * c\n");
  EXPECT_EQ(check_laws("seed a - (b - c)"), "seed a - (b - c)\n");
  EXPECT_EQ(check_laws("seed (a - b) - c"), "seed a - b - c\n");
  EXPECT_EQ(check_laws("seed -(a + b)"), "seed -(a + b)\n");
  EXPECT_EQ(check_laws("seed - - a"), "seed - -a\n");
  EXPECT_EQ(check_laws("seed not (a and b) or c"), "seed not (a and b) or c\n");
  EXPECT_EQ(check_laws("expect (a < b) == (c < d)"), "expect (a < b) == (c < d)\n");
  EXPECT_EQ(check_laws("seed (a + b).c"), "seed (a + b).c\n");
  EXPECT_EQ(check_laws("seed (-a).b"), "seed (-a).b\n");
  EXPECT_EQ(check_laws("seed (1).b"), "seed (1).b\n");
  EXPECT_EQ(check_laws("seed (a |> b) + c"), "seed (a |> b) + c\n");
  EXPECT_EQ(check_laws("seed a or (b or c)"), "seed a or (b or c)\n");
}

TEST(Format, LiteralsKeepTheirText) {
  EXPECT_EQ(check_laws("seed [1e-3, .5, 1., 2.5E+4, 007, true, false]"),
            "seed [1e-3, .5, 1., 2.5E+4, 007, true, false]\n");
  EXPECT_EQ(check_laws(R"(import "a\"b\\c\nd\te")"), "import \"a\\\"b\\\\c\\nd\\te\"\n");
  EXPECT_EQ(check_laws("param lrs: [ float ] = [ ]"), "param lrs: [float] = []\n");
  EXPECT_EQ(check_laws("model m = sequential [ ]"), "model m = sequential []\n");
  EXPECT_EQ(check_laws("stage s = f( )"), "stage s = f()\n");
}

TEST(Format, LongBinaryExpressionsStayOnOneLine) {
  std::string text =
      "expect score.accuracy >= 0.9 and score.macro_f1 >= 0.85 and score.loss < 0.5 and "
      "score.top5 > 0.99";
  EXPECT_EQ(check_laws(text), text + "\n");
}

// ---------------------------------------------------------------------------- comments

TEST(FormatComments, LeadingAndTrailingCommentsOfElements) {
  std::string text = R"(model cnn = sequential [
  # features
  conv2d(out: 32, kernel: 3), relu,   # first block
  # classifier
  linear(out: 10)  # logits
  # nothing after this
]
)";
  EXPECT_EQ(check_laws(text),
            "model cnn = sequential [\n"
            "  # features\n"
            "  conv2d(out: 32, kernel: 3),\n"
            "  relu,  # first block\n"
            "  # classifier\n"
            "  linear(out: 10),  # logits\n"
            "  # nothing after this\n"
            "]\n");
}

TEST(FormatComments, ACommentInsideAnExpressionBreaksItsGroup) {
  // The comment must not swallow `normalize(...)` or the closing bracket.
  EXPECT_EQ(check_laws("augment prep = [to_float(scale: 1/255), # scale\n normalize(mean: 0.2)]"),
            "augment prep = [\n"
            "  to_float(scale: 1 / 255),  # scale\n"
            "  normalize(mean: 0.2),\n"
            "]\n");
  EXPECT_EQ(check_laws("stage s = f(g(x, # inner\n y), z)"),
            "stage s = f(\n"
            "  g(\n"
            "    x,  # inner\n"
            "    y,\n"
            "  ),\n"
            "  z,\n"
            ")\n");
  EXPECT_EQ(check_laws("stage s = f(# first\n)"), "stage s = f(\n  # first\n)\n");
}

TEST(FormatComments, CommentAfterAnOperatorContinuesOnTheNextLine) {
  EXPECT_EQ(check_laws("augment jitter = prep + # more\n [flip]"),
            "augment jitter = prep +  # more\n  [flip]\n");
  EXPECT_EQ(check_laws("expect a > 1 and\n# why b\nb < 2"), "expect a > 1 and  # why b\n  b < 2\n");
}

TEST(FormatComments, CommentsAmongDeclarationTokensMoveOutOfTheWay) {
  EXPECT_EQ(check_laws("param lr # the rate\n : float = 1e-3"),
            "# the rate\nparam lr: float = 1e-3\n");
  // After the value: to the end of the line (or the start of a sweep's body).
  EXPECT_EQ(check_laws("seed 1\n\nexport fit # where\n to \"x.pt\""),
            "seed 1\n\nexport fit to \"x.pt\"  # where\n");
  EXPECT_EQ(check_laws("sweep x in [1] # values\n{ seed x }"),
            "sweep x in [1] {\n  # values\n  seed x\n}\n");
  EXPECT_EQ(check_laws("expect -# odd\nx.y > 1"), "# odd\nexpect -x.y > 1\n");
}

TEST(FormatComments, BlankLinesBetweenDeclarationsAndComments) {
  std::string text = "# header\n\n\n\npipeline p\n# about seed\nseed 1\n\n\n\n# tail\n";
  EXPECT_EQ(check_laws(text), "# header\n\npipeline p\n# about seed\nseed 1\n\n# tail\n");
}

// Every position between two tokens of the brief's example, with a comment: on its own line,
// at the end of a line, and all of them at once.
TEST(FormatComments, ACommentAtEveryTokenBoundary) {
  std::string base = kExample;
  std::vector<std::size_t> ends = token_ends(base);
  ASSERT_GT(ends.size(), 200u);
  for (std::size_t k = 0; k < ends.size(); ++k) {
    std::string end_of_line = base;
    end_of_line.insert(ends[k], " # c" + std::to_string(k) + "\n");
    check_laws(end_of_line);
    std::string own_line = base;
    own_line.insert(ends[k], "\n# c" + std::to_string(k) + "\n");
    check_laws(own_line);
  }
  std::string everywhere = base;
  for (std::size_t k = ends.size(); k-- > 0;)
    everywhere.insert(ends[k], (k % 2 ? " # c" : "\n  # c") + std::to_string(k) + "\n");
  std::string formatted = check_laws(everywhere);
  EXPECT_EQ(parse(formatted)->module.comments.size(), ends.size() + 5);
}

// Random sets of comments, deterministic, over an input with every kind of expression.
TEST(FormatComments, RandomCommentPlacements) {
  const std::string base = R"(import "lib.mlflow"
pipeline p
param sizes: [int] = [16, 32]
augment a = prep + [flip(p: 0.5), crop(size: -(2 * 3)), normalize(mean: (0.1 + 0.2) / 2)]
model m = sequential [residual [conv2d(out: 8), relu], linear(out: 10)]
sweep size in sizes {
  stage s = train(m, data: d |> a, batch: size)
  sweep lr in [0.1, 0.01] { stage t = f(s.weights, lr: lr) }
}
expect not (s.accuracy < 0.5 or s.loss > 1) and - -s.x == 1
export s to "out/s.pt"
)";
  std::vector<std::size_t> ends = token_ends(base);
  unsigned state = 12345;
  auto next = [&] { return state = state * 1103515245u + 12345u, (state >> 16) & 0x7fff; };
  for (int round = 0; round < 300; ++round) {
    std::string text = base;
    for (std::size_t k = ends.size(); k-- > 0;) {
      unsigned roll = next() % 8;
      if (roll == 0) text.insert(ends[k], " # e" + std::to_string(k) + "\n");
      if (roll == 1) text.insert(ends[k], "\n# o" + std::to_string(k) + "\n");
      if (roll == 2) text.insert(ends[k], "\n\n# b" + std::to_string(k) + "\n\n");
    }
    check_laws(text);
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(FormatComments, OtherInputs) {
  std::vector<std::string> inputs = {
      "sweep lr in [ # rates\n 0.1, 0.01 # small\n ] # values\n { # body\n seed 1 # one\n } # end",
      "stage s = evaluate(fit, # model\n data: test |> # the pipe\n prep, # done\n)",
      "seed (# a\n 1 + 2 # b\n) * 3",
      "expect score # the score\n .accuracy # field\n >= 0.9",
      "model m = sequential [\n  residual [ # inner\n  ]\n]",
      "stage s = f(a: # named\n 1, b: 2)",
      "import \"x.mlflow\" # why\n# trailing file comment",
      "seed [1, 2, 3\n# last\n]",
  };
  for (const std::string& input : inputs) check_laws(input);
}

TEST(FormatComments, LongChainsFormatWithoutDeepRecursion) {
  std::string text = "seed 1";
  for (int i = 0; i < 1000; ++i) text += " + 1";
  std::string formatted = format_text(text);
  EXPECT_EQ(formatted, text + "\n");
  std::string members = "expect s";
  for (int i = 0; i < 1000; ++i) members += ".f";
  EXPECT_EQ(format_text(members), members + "\n");
}

}  // namespace
}  // namespace mlf
