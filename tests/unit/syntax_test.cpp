// The syntax stage: bytes → AST, and every problem a file's bytes or syntax can have.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compiler/syntax/parse.h"

namespace mlf {
namespace testing {

// A dump of a module without spans: two trees print the same exactly when they are equal
// modulo spans. Also used by format_test.cpp.
std::string dump_expr(const ast::Expr& expr);

std::string dump_expr(const ast::Expr* expr) { return expr ? dump_expr(*expr) : "<null>"; }

std::string dump_expr(const ast::Expr& expr) {
  return std::visit(
      [](const auto& n) -> std::string {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, ast::NumberLiteral>) {
          return n.text + (n.is_integer ? "#i" + std::to_string(n.integer) : "#r");
        } else if constexpr (std::is_same_v<T, ast::StringLiteral>) {
          std::string out = "\"";
          for (char c : n.value) out += c == '\n' ? std::string("\\n") : std::string(1, c);
          return out + "\"";
        } else if constexpr (std::is_same_v<T, ast::BoolLiteral>) {
          return n.value ? "true" : "false";
        } else if constexpr (std::is_same_v<T, ast::NameRef>) {
          return n.name.name;
        } else if constexpr (std::is_same_v<T, ast::MemberAccess>) {
          return "(. " + dump_expr(n.object.get()) + " " + n.member.name + ")";
        } else if constexpr (std::is_same_v<T, ast::Call>) {
          std::string out = "(call " + n.callee.name;
          for (const auto& argument : n.arguments)
            out += " " + (argument.name ? argument.name->name + ": " : "") +
                   dump_expr(argument.value.get());
          return out + ")";
        } else if constexpr (std::is_same_v<T, ast::ListLiteral>) {
          std::string out = "(list";
          for (const auto& element : n.elements) out += " " + dump_expr(element.get());
          return out + ")";
        } else if constexpr (std::is_same_v<T, ast::Block>) {
          std::string out = "(block " + n.kind.name;
          for (const auto& element : n.elements) out += " " + dump_expr(element.get());
          return out + ")";
        } else if constexpr (std::is_same_v<T, ast::Unary>) {
          return std::string(n.op == ast::UnaryOp::Not ? "(not " : "(neg ") +
                 dump_expr(n.operand.get()) + ")";
        } else {
          return std::string("(") + ast::binary_op_text(n.op) + " " + dump_expr(n.lhs.get()) + " " +
                 dump_expr(n.rhs.get()) + ")";
        }
      },
      expr.node);
}

std::string dump_decl(const ast::Decl& decl) {
  return std::visit(
      [](const auto& n) -> std::string {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, ast::PipelineDecl>) {
          return "pipeline " + n.name.name;
        } else if constexpr (std::is_same_v<T, ast::SeedDecl>) {
          return "seed " + dump_expr(n.value.get());
        } else if constexpr (std::is_same_v<T, ast::ParamDecl>) {
          return "param " + n.name.name + ": " +
                 (n.type.is_list ? "[" + n.type.name.name + "]" : n.type.name.name) + " = " +
                 dump_expr(n.value.get());
        } else if constexpr (std::is_same_v<T, ast::BindingDecl>) {
          return std::string(ast::binding_keyword(n.kind)) + " " + n.name.name + " = " +
                 dump_expr(n.value.get());
        } else if constexpr (std::is_same_v<T, ast::ExpectDecl>) {
          return "expect " + dump_expr(n.condition.get());
        } else if constexpr (std::is_same_v<T, ast::ExportDecl>) {
          return "export " + dump_expr(n.value.get()) + " to \"" + n.path.value + "\"";
        } else if constexpr (std::is_same_v<T, ast::SweepDecl>) {
          std::string out = "sweep " + n.variable.name + " in " + dump_expr(n.values.get()) + " {";
          for (const auto& inner : n.body) out += " " + dump_decl(*inner) + ";";
          return out + " }";
        } else {
          return "import \"" + n.path.value + "\"";
        }
      },
      decl.node);
}

std::string dump_module(const ast::Module& module) {
  std::string out;
  for (const auto& decl : module.decls) out += dump_decl(*decl) + "\n";
  return out;
}

}  // namespace testing

namespace {

using testing::dump_decl;
using testing::dump_expr;
using testing::dump_module;

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

struct Parsed {
  SourceMap sources;
  DiagnosticEngine diagnostics;
  ast::Module module;
  const SourceFile* file = nullptr;

  std::vector<Diagnostic> sorted() const { return diagnostics.sorted(); }
  std::size_t count(DiagnosticKind kind) const {
    std::size_t n = 0;
    for (const auto& d : diagnostics.sorted()) n += d.kind == kind;
    return n;
  }
  const Diagnostic* first(DiagnosticKind kind) const {
    static Diagnostic found;
    for (const auto& d : diagnostics.sorted()) {
      if (d.kind == kind) {
        found = d;
        return &found;
      }
    }
    return nullptr;
  }
  std::string text(Span span) const {
    return file->text().substr(span.begin, span.end - span.begin);
  }
  std::string all_messages() const {
    std::string out;
    for (const auto& d : diagnostics.sorted()) out += code_string(d.kind) + " " + d.message + "\n";
    return out;
  }
};

std::unique_ptr<Parsed> parse(std::string text, ParseLimits limits = {}) {
  auto parsed = std::make_unique<Parsed>();
  parsed->file = &parsed->sources.add("test.mlflow", std::move(text));
  parsed->module = parse_module(*parsed->file, parsed->diagnostics, limits);
  return parsed;
}

std::string expr_of(const std::string& expression) {
  auto parsed = parse("seed " + expression);
  EXPECT_EQ(parsed->diagnostics.total(), 0u) << expression << "\n" << parsed->all_messages();
  if (parsed->module.decls.size() != 1) return "<no decl>";
  return dump_expr(std::get<ast::SeedDecl>(parsed->module.decls[0]->node).value.get());
}

// ---------------------------------------------------------------------------- the example

TEST(Syntax, BriefExampleParsesWithoutDiagnostics) {
  auto parsed = parse(kExample);
  EXPECT_EQ(parsed->diagnostics.total(), 0u) << parsed->all_messages();
  EXPECT_EQ(parsed->module.file, parsed->file->id());

  std::vector<std::string> heads;
  for (const auto& decl : parsed->module.decls) {
    std::string dump = dump_decl(*decl);
    heads.push_back(dump.substr(0, dump.find(" = ") == std::string::npos
                                       ? dump.find(' ', dump.find(' ') + 1)
                                       : dump.find(" = ")));
  }
  std::vector<std::string> expected = {
      "pipeline fashion", "seed 42#i42",  "param epochs: int", "param lr: float", "dataset train",
      "dataset test",     "augment prep", "augment jitter",    "model cnn",       "stage fit",
      "stage score",      "expect (>=",   "export fit"};
  EXPECT_EQ(heads, expected);
}

TEST(Syntax, BriefExampleTrees) {
  auto parsed = parse(kExample);
  const auto& decls = parsed->module.decls;
  ASSERT_EQ(decls.size(), 13u);
  EXPECT_EQ(dump_decl(*decls[3]), "param lr: float = 1e-3#r");
  EXPECT_EQ(dump_decl(*decls[6]),
            "augment prep = (list (call to_float scale: (/ 1#i1 255#i255)) "
            "(call normalize mean: 0.286#r std: 0.353#r))");
  EXPECT_EQ(dump_decl(*decls[7]),
            "augment jitter = (+ prep (list (call random_hflip p: 0.5#r) "
            "(call random_affine degrees: 10#i10 translate: 0.1#r)))");
  EXPECT_EQ(dump_decl(*decls[8]),
            "model cnn = (block sequential (call conv2d out: 32#i32 kernel: 3#i3 padding: 1#i1) "
            "relu (call max_pool 2#i2) (call conv2d out: 64#i64 kernel: 3#i3 padding: 1#i1) relu "
            "(call max_pool 2#i2) flatten (call linear out: 128#i128) relu (call dropout 0.25#r) "
            "(call linear out: 10#i10))");
  EXPECT_EQ(dump_decl(*decls[9]),
            "stage fit = (call train cnn data: (|> train jitter) loss: cross_entropy "
            "optimizer: (call adam lr: lr) epochs: epochs batch: 128#i128)");
  EXPECT_EQ(
      dump_decl(*decls[10]),
      "stage score = (call evaluate fit data: (|> test prep) metrics: (list accuracy macro_f1))");
  EXPECT_EQ(dump_decl(*decls[11]), "expect (>= (. score accuracy) 0.90#r)");
  EXPECT_EQ(dump_decl(*decls[12]), "export fit to \"out/cnn.pt\"");

  const auto& fit = std::get<ast::BindingDecl>(decls[9]->node);
  const auto& call = std::get<ast::Call>(fit.value->node);
  ASSERT_EQ(call.arguments.size(), 6u);
  EXPECT_FALSE(call.arguments[0].name.has_value());  // the leading positional argument
  EXPECT_EQ(call.arguments[1].name->name, "data");
}

TEST(Syntax, CommentsAreCollectedInSourceOrder) {
  auto parsed = parse(kExample);
  const auto& comments = parsed->module.comments;
  ASSERT_EQ(comments.size(), 5u);
  EXPECT_EQ(comments[0].text, "# fashion.mlflow — a small CNN on Fashion-MNIST");
  EXPECT_EQ(comments[1].text, "# root of every random stream in the file");
  EXPECT_EQ(comments[2].text, "# overridable: mlf run -p epochs=1");
  EXPECT_EQ(comments[3].text, "# a gate: the run fails, loudly, if it does not hold");
  EXPECT_EQ(comments[4].text, "# copies an artifact out of the store");
  for (const auto& comment : comments) EXPECT_EQ(parsed->text(comment.span), comment.text);
}

// ---------------------------------------------------------------------------- spans

TEST(Syntax, SpansAreByteRangesThatMapToLineAndColumn) {
  auto parsed = parse(kExample);
  const auto& decls = parsed->module.decls;
  const SourceFile& file = *parsed->file;
  auto at = [&](Span span) {
    LineColumn lc = file.line_column(span.begin);
    return std::to_string(lc.line) + ":" + std::to_string(lc.column);
  };
  // The first line holds a 3-byte character (an em dash): spans count bytes.
  EXPECT_EQ(decls[0]->span.begin, std::string(kExample).find("pipeline fashion"));
  EXPECT_EQ(at(decls[0]->span), "2:1");
  EXPECT_EQ(parsed->text(decls[0]->span), "pipeline fashion");
  EXPECT_EQ(at(decls[8]->span), "17:1");
  EXPECT_EQ(parsed->text(decls[8]->span).substr(0, 24), "model cnn = sequential [");
  EXPECT_EQ(parsed->text(decls[8]->span).back(), ']');

  const auto& expect = std::get<ast::ExpectDecl>(decls[11]->node);
  EXPECT_EQ(parsed->text(expect.condition->span), "score.accuracy >= 0.90");
  const auto& comparison = std::get<ast::Binary>(expect.condition->node);
  EXPECT_EQ(parsed->text(comparison.op_span), ">=");
  EXPECT_EQ(at(comparison.op_span), "29:23");
  const auto& member = std::get<ast::MemberAccess>(comparison.lhs->node);
  EXPECT_EQ(parsed->text(member.member.span), "accuracy");
  EXPECT_EQ(at(member.member.span), "29:14");

  const auto& fit = std::get<ast::BindingDecl>(decls[9]->node);
  EXPECT_EQ(at(fit.name.span), "25:7");
  const auto& call = std::get<ast::Call>(fit.value->node);
  EXPECT_EQ(parsed->text(call.arguments[3].span), "optimizer: adam(lr: lr)");
  EXPECT_EQ(at(call.arguments[3].span), "26:21");
  EXPECT_EQ(parsed->text(fit.value->span).substr(0, 10), "train(cnn,");

  const auto& param = std::get<ast::ParamDecl>(decls[2]->node);
  EXPECT_EQ(parsed->text(param.type.span), "int");
  const auto& exported = std::get<ast::ExportDecl>(decls[12]->node);
  EXPECT_EQ(parsed->text(exported.path_span), "\"out/cnn.pt\"");
}

TEST(Syntax, ParenthesesAreNotPartOfTheInnerSpanButOfTheOuter) {
  auto parsed = parse("seed (a + b) * c");
  const auto& seed = std::get<ast::SeedDecl>(parsed->module.decls[0]->node);
  EXPECT_EQ(parsed->text(seed.value->span), "(a + b) * c");
  const auto& product = std::get<ast::Binary>(seed.value->node);
  EXPECT_EQ(parsed->text(product.lhs->span), "a + b");
}

TEST(Syntax, SpansAfterNonAsciiTextAreByteOffsets) {
  // `é` and `λ` are two bytes each, `€` three; the error is reported at the `$`'s byte offset.
  std::string text = "import \"dé€\"  # λ comment\nseed $";
  auto parsed = parse(text);
  const Diagnostic* bad = parsed->first(DiagnosticKind::InvalidCharacter);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->primary.begin, text.find('$'));
  EXPECT_EQ(bad->primary.end, text.find('$') + 1);
  // The syntax error that follows (`seed` lacks its value) points after the last token.
  const Diagnostic* syntax = parsed->first(DiagnosticKind::SyntaxError);
  ASSERT_NE(syntax, nullptr);
  EXPECT_EQ(syntax->primary.begin, text.find("seed") + 4);
  ASSERT_EQ(parsed->module.comments.size(), 1u);
  EXPECT_EQ(parsed->module.comments[0].text, "# λ comment");
  EXPECT_EQ(parsed->text(parsed->module.comments[0].span), "# λ comment");
  ASSERT_EQ(parsed->module.decls.size(), 1u);
  EXPECT_EQ(std::get<ast::ImportDecl>(parsed->module.decls[0]->node).path.value, "dé€");
}

TEST(Syntax, ByteOrderMarkIsSkipped) {
  auto parsed = parse("\xEF\xBB\xBFpipeline p\nseed 1");
  EXPECT_EQ(parsed->diagnostics.total(), 0u) << parsed->all_messages();
  ASSERT_EQ(parsed->module.decls.size(), 2u);
  EXPECT_EQ(parsed->module.decls[0]->span.begin, 3u);
}

// ---------------------------------------------------------------------------- grammar

TEST(Syntax, Precedence) {
  EXPECT_EQ(expr_of("a or b and c"), "(or a (and b c))");
  EXPECT_EQ(expr_of("a and b == c"), "(and a (== b c))");
  EXPECT_EQ(expr_of("a < b |> c"), "(< a (|> b c))");
  EXPECT_EQ(expr_of("a |> b + c"), "(|> a (+ b c))");
  EXPECT_EQ(expr_of("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(expr_of("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(expr_of("a / b * c"), "(* (/ a b) c)");
  EXPECT_EQ(expr_of("ds |> aug |> more"), "(|> (|> ds aug) more)");
  EXPECT_EQ(expr_of("-a * b"), "(* (neg a) b)");
  EXPECT_EQ(expr_of("- -a"), "(neg (neg a))");
  EXPECT_EQ(expr_of("not a and b"), "(and (not a) b)");
  EXPECT_EQ(expr_of("-a.b.c"), "(neg (. (. a b) c))");
  EXPECT_EQ(expr_of("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(expr_of("a - (b - c)"), "(- a (- b c))");
  EXPECT_EQ(expr_of("(a < b) < c"), "(< (< a b) c)");
  EXPECT_EQ(expr_of("f(x).y"), "(. (call f x) y)");
  EXPECT_EQ(expr_of("score.accuracy >= 0.9 and score.loss < 1"),
            "(and (>= (. score accuracy) 0.9#r) (< (. score loss) 1#i1))");
  EXPECT_EQ(expr_of("a != b"), "(!= a b)");
  EXPECT_EQ(expr_of("a <= b"), "(<= a b)");
  EXPECT_EQ(expr_of("a > b"), "(> a b)");
}

TEST(Syntax, PrimaryForms) {
  EXPECT_EQ(expr_of("f()"), "(call f)");
  EXPECT_EQ(expr_of("f(1, x: 2,)"), "(call f 1#i1 x: 2#i2)");
  EXPECT_EQ(expr_of("[]"), "(list)");
  EXPECT_EQ(expr_of("[1, 2,]"), "(list 1#i1 2#i2)");
  EXPECT_EQ(expr_of("sequential []"), "(block sequential)");
  EXPECT_EQ(expr_of("residual [conv2d(out: 8), relu,]"),
            "(block residual (call conv2d out: 8#i8) relu)");
  EXPECT_EQ(expr_of("sequential[a]"), "(block sequential a)");
  EXPECT_EQ(expr_of("[[1], [2, 3]]"), "(list (list 1#i1) (list 2#i2 3#i3))");
  EXPECT_EQ(expr_of("true"), "true");
  EXPECT_EQ(expr_of("false"), "false");
  EXPECT_EQ(expr_of("((x))"), "x");
}

TEST(Syntax, KeywordsAndIdentifiers) {
  // Names that merely start like keywords are identifiers.
  EXPECT_EQ(expr_of("to_float(out: 1, train: in_channels, model_x: import_y)"),
            "(call to_float out: 1#i1 train: in_channels model_x: import_y)");
  EXPECT_EQ(expr_of("notx or andy"), "(or notx andy)");
  auto parsed = parse("stage in = f(x)");
  const Diagnostic* error = parsed->first(DiagnosticKind::SyntaxError);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->message, "expected a name, found `in`");
  EXPECT_EQ(error->help, "`in` is a keyword and cannot be used as a name");
  EXPECT_EQ(error->primary.begin, 6u);
}

TEST(Syntax, AllDeclarationForms) {
  auto parsed = parse(R"(
import "stdlib/vision.mlflow"
pipeline p
seed 7
param lrs: [float] = [0.1, 0.01]
dataset d = csv(path: "x.csv")
augment a = [flip]
model m = sequential [linear(out: 2)]
stage s = train(m, data: d |> a)
sweep lr in lrs {
  stage t = train(m, data: d, lr: lr)
  sweep b in [1, 2] { stage u = f(b) }
}
expect s.accuracy > 0.5
export s to "out/model.pt"
)");
  EXPECT_EQ(parsed->diagnostics.total(), 0u) << parsed->all_messages();
  EXPECT_EQ(dump_module(parsed->module),
            "import \"stdlib/vision.mlflow\"\n"
            "pipeline p\n"
            "seed 7#i7\n"
            "param lrs: [float] = (list 0.1#r 0.01#r)\n"
            "dataset d = (call csv path: \"x.csv\")\n"
            "augment a = (list flip)\n"
            "model m = (block sequential (call linear out: 2#i2))\n"
            "stage s = (call train m data: (|> d a))\n"
            "sweep lr in lrs { stage t = (call train m data: d lr: lr); "
            "sweep b in (list 1#i1 2#i2) { stage u = (call f b); }; }\n"
            "expect (> (. s accuracy) 0.5#r)\n"
            "export s to \"out/model.pt\"\n");
}

TEST(Syntax, NumberLiterals) {
  auto number = [](const std::string& text) {
    auto parsed = parse("seed " + text);
    EXPECT_EQ(parsed->diagnostics.total(), 0u) << text << "\n" << parsed->all_messages();
    return std::get<ast::NumberLiteral>(
        std::get<ast::SeedDecl>(parsed->module.decls.at(0)->node).value->node);
  };
  ast::NumberLiteral n = number("42");
  EXPECT_TRUE(n.is_integer);
  EXPECT_EQ(n.integer, 42);
  EXPECT_EQ(n.real, 42.0);
  EXPECT_EQ(number("9223372036854775807").integer, INT64_MAX);
  n = number("1.5");
  EXPECT_FALSE(n.is_integer);
  EXPECT_EQ(n.real, 1.5);
  EXPECT_EQ(number(".5").real, 0.5);
  EXPECT_EQ(number("1.").real, 1.0);
  EXPECT_FALSE(number("1.").is_integer);
  EXPECT_EQ(number("1e-3").real, 1e-3);
  EXPECT_FALSE(number("1e3").is_integer);
  EXPECT_EQ(number("2.5E+4").real, 2.5e4);
  EXPECT_EQ(number("2.5E+4").text, "2.5E+4");
  EXPECT_EQ(number("1e-400").real, 0.0);  // underflow is not an error
}

TEST(Syntax, StringEscapesAreDecoded) {
  auto parsed = parse(R"(import "a\"b\\c\nd\te")");
  EXPECT_EQ(parsed->diagnostics.total(), 0u) << parsed->all_messages();
  EXPECT_EQ(std::get<ast::ImportDecl>(parsed->module.decls.at(0)->node).path.value,
            "a\"b\\c\nd\te");
  auto hash = parse(R"(export x to "out/#1.pt")");
  EXPECT_TRUE(hash->module.comments.empty());
  EXPECT_EQ(std::get<ast::ExportDecl>(hash->module.decls.at(0)->node).path.value, "out/#1.pt");
}

// ---------------------------------------------------------------------------- syntax errors

TEST(SyntaxErrors, MissingCommaBetweenArguments) {
  auto parsed = parse("stage a = f(a b)");
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 1u) << parsed->all_messages();
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::SyntaxError);
  EXPECT_EQ(diagnostics[0].message, "expected `,` or `)`, found `b`");
  EXPECT_EQ(diagnostics[0].primary.begin, 14u);
  EXPECT_EQ(diagnostics[0].help, "separate the arguments with `,`");
  EXPECT_TRUE(parsed->module.decls.empty());
}

TEST(SyntaxErrors, DoubleComma) {
  auto parsed = parse("stage a = f(a,,b)");
  const Diagnostic* error = parsed->first(DiagnosticKind::SyntaxError);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->message, "expected an argument or `)`, found `,`");
  EXPECT_EQ(error->primary.begin, 14u);
}

TEST(SyntaxErrors, NotADeclaration) {
  auto parsed = parse("pipeline p\nfoo = 1\nseed 2");
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 1u) << parsed->all_messages();
  EXPECT_EQ(diagnostics[0].message,
            "expected a declaration (`dataset`, `model`, `stage`, ...), found `foo`");
  EXPECT_EQ(diagnostics[0].primary.begin, 11u);
  EXPECT_EQ(dump_module(parsed->module), "pipeline p\nseed 2#i2\n");

  auto typo = parse("modle m = x");
  EXPECT_EQ(typo->first(DiagnosticKind::SyntaxError)->help,
            "declarations start with a keyword; the closest one is `model`");
}

TEST(SyntaxErrors, EndOfFilePointsAfterTheLastToken) {
  std::string text = "model m = sequential [relu,\n\n";
  auto parsed = parse(text);
  const Diagnostic* error = parsed->first(DiagnosticKind::SyntaxError);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->message, "expected an expression or `]`, found end of file");
  EXPECT_EQ(error->primary.begin, text.find(',') + 1);
  EXPECT_EQ(error->primary.end, error->primary.begin);
  ASSERT_EQ(error->labels.size(), 1u);
  EXPECT_EQ(error->labels[0].message, "unclosed `[`");
  EXPECT_EQ(error->labels[0].span.begin, text.find('['));
}

TEST(SyntaxErrors, NamedArgumentsUseAColon) {
  auto parsed = parse("stage s = train(m, epochs = 3)");
  const Diagnostic* error = parsed->first(DiagnosticKind::SyntaxError);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->message, "expected `,` or `)`, found `=`");
  EXPECT_EQ(error->help, "named arguments are written `name: value`");
}

TEST(SyntaxErrors, ChainedComparisonIsRejected) {
  std::string text = "expect 0 < x < 1";
  auto parsed = parse(text);
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 1u) << parsed->all_messages();
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::SyntaxError);
  EXPECT_EQ(diagnostics[0].message, "comparison operators cannot be chained");
  EXPECT_EQ(diagnostics[0].primary.begin, text.rfind('<'));
  EXPECT_TRUE(parsed->module.decls.empty());
}

TEST(SyntaxErrors, DeclarationFormsAreExplained) {
  auto param = parse("param lr = 1");
  EXPECT_EQ(param->first(DiagnosticKind::SyntaxError)->message, "expected `:`, found `=`");
  EXPECT_EQ(param->first(DiagnosticKind::SyntaxError)->help,
            "a param is declared as `param NAME: TYPE = VALUE`");
  auto type = parse("param lr: = 1");
  EXPECT_EQ(type->first(DiagnosticKind::SyntaxError)->message,
            "expected a type such as `float` or `[int]`, found `=`");
  auto export_ = parse("export fit \"out.pt\"");
  EXPECT_EQ(export_->first(DiagnosticKind::SyntaxError)->message,
            "expected `to`, found `\"out.pt\"`");
}

TEST(SyntaxErrors, RecoveryKeepsTheDeclarationsThatParsed) {
  auto parsed = parse(R"(pipeline p
stage a = f(x
stage b = g(y)
model m = sequential [relu relu]
seed 3
expect a <
export b to "b.pt"
)");
  EXPECT_EQ(parsed->count(DiagnosticKind::SyntaxError), 3u) << parsed->all_messages();
  EXPECT_EQ(dump_module(parsed->module),
            "pipeline p\nstage b = (call g y)\nseed 3#i3\nexport b to \"b.pt\"\n");
  for (const auto& d : parsed->sorted()) EXPECT_EQ(d.message.find("mismatched"), std::string::npos);
}

TEST(SyntaxErrors, AtMostOneErrorPerDeclaration) {
  auto parsed = parse("stage a = f(x y z, , w v)\nseed 1");
  EXPECT_EQ(parsed->count(DiagnosticKind::SyntaxError), 1u) << parsed->all_messages();
  EXPECT_EQ(dump_module(parsed->module), "seed 1#i1\n");
}

TEST(SyntaxErrors, OnlyTheFirstFewErrorsAreReported) {
  std::string text;
  for (int i = 0; i < 20; ++i) text += "stage s" + std::to_string(i) + " = f(x y)\n";
  text += "seed 5\n";
  auto parsed = parse(text);
  EXPECT_EQ(parsed->count(DiagnosticKind::SyntaxError), 5u);
  EXPECT_EQ(dump_module(parsed->module), "seed 5#i5\n");
}

TEST(SyntaxErrors, TwoStageParsingFallsBackToFullLL) {
  // A valid file is parsed by the fast SLL stage alone: no diagnostic at all.
  auto valid = parse(kExample);
  EXPECT_EQ(valid->diagnostics.total(), 0u);
  // The SLL stage bails out at the first error without reporting; the LL stage must then
  // report the error, at the right place, and rebuild everything else.
  std::string text = std::string(kExample) + "stage broken = f(\n";
  auto broken = parse(text);
  auto diagnostics = broken->sorted();
  ASSERT_EQ(diagnostics.size(), 1u) << broken->all_messages();
  EXPECT_EQ(diagnostics[0].message, "expected an argument or `)`, found end of file");
  EXPECT_EQ(diagnostics[0].primary.begin, text.size() - 1);
  EXPECT_EQ(dump_module(broken->module), dump_module(valid->module));
  EXPECT_EQ(broken->module.comments.size(), valid->module.comments.size());
}

TEST(SyntaxErrors, FallingBackReportsTheFirstStagesFindingsOnce) {
  // The SLL stage builds declarations as it goes, and the builder reports some problems of
  // its own; when a later declaration sends the parse to the LL stage, those reports must not
  // be made twice.
  std::string text = "expect 0 < x < 1\nseed 99999999999999999999\nparam lr = 1\n";
  auto parsed = parse(text);
  EXPECT_EQ(parsed->diagnostics.total(), 3u) << parsed->all_messages();
  EXPECT_EQ(parsed->diagnostics.error_count(), 3u);
  EXPECT_EQ(parsed->count(DiagnosticKind::InvalidNumber), 1u);
  EXPECT_EQ(parsed->first(DiagnosticKind::SyntaxError)->message,
            "comparison operators cannot be chained");
  // Without the syntax error, the same findings come from the SLL stage alone.
  auto clean = parse("expect 0 < x < 1\nseed 99999999999999999999\n");
  EXPECT_EQ(clean->diagnostics.total(), 2u) << clean->all_messages();
}

TEST(SyntaxErrors, NothingIsPrintedToTheConsole) {
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  auto parsed = parse("stage a = f(a b) $ ` \"open\nmodle x = 1\nseed (((");
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_GE(parsed->diagnostics.error_count(), 4u) << parsed->all_messages();
}

TEST(Syntax, ClearingTheParserCachesChangesNoResult) {
  auto before = parse(std::string(kExample) + "stage broken = f(x y)\n");
  clear_parser_caches();
  auto after = parse(std::string(kExample) + "stage broken = f(x y)\n");
  EXPECT_EQ(dump_module(after->module), dump_module(before->module));
  EXPECT_EQ(after->all_messages(), before->all_messages());
  EXPECT_EQ(after->diagnostics.total(), 1u);
}

// ---------------------------------------------------------------------------- lexical errors

TEST(LexicalErrors, InvalidCharacter) {
  std::string text = "seed 42 $\nseed 1 ; seed 2";
  auto parsed = parse(text);
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 2u) << parsed->all_messages();
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::InvalidCharacter);
  EXPECT_EQ(diagnostics[0].message, "unexpected character `$`");
  EXPECT_EQ(diagnostics[0].primary.begin, text.find('$'));
  EXPECT_EQ(diagnostics[1].primary.begin, text.find(';'));
  EXPECT_EQ(diagnostics[1].help, "declarations need no separator; remove the `;`");
  // The character is dropped; the declarations around it are intact.
  EXPECT_EQ(dump_module(parsed->module), "seed 42#i42\nseed 1#i1\nseed 2#i2\n");
}

TEST(LexicalErrors, NonAsciiCharacterOutsideStrings) {
  std::string text = "seed λ";
  auto parsed = parse(text);
  const Diagnostic* bad = parsed->first(DiagnosticKind::InvalidCharacter);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->message, "unexpected character `λ` (U+03BB)");
  EXPECT_EQ(bad->primary.begin, 5u);
  EXPECT_EQ(bad->primary.end, 7u);
}

TEST(LexicalErrors, UnterminatedString) {
  std::string text = "import \"abc\nseed 1";
  auto parsed = parse(text);
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 1u) << parsed->all_messages();
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::UnterminatedString);
  EXPECT_EQ(diagnostics[0].message, "string is not closed before the end of the line");
  EXPECT_EQ(diagnostics[0].primary.begin, 7u);
  EXPECT_EQ(diagnostics[0].primary.end, 11u);
  // Taken as a string, so the next line still parses.
  EXPECT_EQ(dump_module(parsed->module), "import \"abc\"\nseed 1#i1\n");

  auto at_end = parse("export x to \"out");
  EXPECT_EQ(at_end->first(DiagnosticKind::UnterminatedString)->message,
            "string is not closed before the end of the file");
}

TEST(LexicalErrors, InvalidEscape) {
  std::string text = R"(export x to "a\qb\\c\ d")";
  auto parsed = parse(text);
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 2u) << parsed->all_messages();
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::InvalidEscape);
  EXPECT_EQ(diagnostics[0].message, "unknown escape `\\q` in string");
  EXPECT_EQ(diagnostics[0].primary.begin, text.find("\\q"));
  EXPECT_EQ(diagnostics[0].primary.end, text.find("\\q") + 2);
  EXPECT_EQ(diagnostics[1].primary.begin, text.find("\\ "));
}

TEST(LexicalErrors, IntegerOutOfRange) {
  std::string text = "seed 9223372036854775808";
  auto parsed = parse(text);
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 1u) << parsed->all_messages();
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::InvalidNumber);
  EXPECT_EQ(diagnostics[0].primary.begin, 5u);
  EXPECT_EQ(diagnostics[0].primary.end, text.size());
  EXPECT_EQ(diagnostics[0].message, "integer `9223372036854775808` does not fit in 64 bits");

  auto real = parse("seed 1e999");
  EXPECT_EQ(real->count(DiagnosticKind::InvalidNumber), 1u);
}

// ---------------------------------------------------------------------------- bytes

TEST(SourceBytes, InvalidUtf8IsReportedAtTheOffendingByte) {
  struct Case {
    std::string bad;
    std::string message;
  };
  std::vector<Case> cases = {
      {"\xC0\xAF", "invalid UTF-8: overlong encoding"},
      {"\xE0\x80\xAF", "invalid UTF-8: overlong encoding"},
      {"\xF0\x80\x80\xAF", "invalid UTF-8: overlong encoding"},
      {"\xED\xA0\x80", "invalid UTF-8: encoded UTF-16 surrogate"},
      {"\xF4\x90\x80\x80", "invalid UTF-8: code point above U+10FFFF"},
      {"\xF5\x80\x80\x80", "invalid UTF-8: code point above U+10FFFF"},
      {"\x80", "invalid UTF-8: continuation byte `0x80` without a lead byte"},
      {"\xFF", "invalid UTF-8: byte `0xFF` never occurs in UTF-8"},
      {"\xE2\x82 ", "invalid UTF-8: incomplete multi-byte sequence"},
  };
  for (const Case& c : cases) {
    std::string text = "import \"ok é " + c.bad + "\"";
    auto parsed = parse(text);
    auto diagnostics = parsed->sorted();
    ASSERT_EQ(diagnostics.size(), 1u) << parsed->all_messages();
    EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::InvalidUtf8);
    EXPECT_EQ(diagnostics[0].message, c.message);
    EXPECT_EQ(diagnostics[0].primary.begin, text.find(c.bad)) << c.message;
    EXPECT_TRUE(parsed->module.decls.empty());
  }
  // Truncated at the end of the file.
  auto truncated = parse("seed 1 # \xE2\x82");
  ASSERT_EQ(truncated->count(DiagnosticKind::InvalidUtf8), 1u);
  EXPECT_EQ(truncated->first(DiagnosticKind::InvalidUtf8)->primary.begin, 9u);
  EXPECT_EQ(truncated->first(DiagnosticKind::InvalidUtf8)->primary.end, 11u);
  // Valid multi-byte characters of every length are accepted.
  EXPECT_EQ(
      parse("import \"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\"")->diagnostics.total(),
      0u);
}

TEST(SourceBytes, NulBytes) {
  std::string text = std::string("seed 1\0seed 2", 13);
  auto parsed = parse(text);
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 1u) << parsed->all_messages();
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::NulByte);
  EXPECT_EQ(diagnostics[0].primary.begin, 6u);
  EXPECT_TRUE(parsed->module.decls.empty());

  // A binary file: the first few, then one summary.
  auto binary = parse(std::string(1000, '\0'));
  EXPECT_EQ(binary->count(DiagnosticKind::NulByte), 6u);
  EXPECT_NE(binary->all_messages().find("995 more NUL bytes"), std::string::npos);
}

TEST(SourceBytes, SourceTooLarge) {
  ParseLimits limits;
  limits.max_bytes = 16;
  auto parsed = parse("pipeline a_long_pipeline_name", limits);
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::SourceTooLarge);
  EXPECT_EQ(diagnostics[0].primary.begin, 0u);
  EXPECT_TRUE(parsed->module.decls.empty());
  EXPECT_EQ(parse("pipeline short", limits)->diagnostics.total(), 0u);
}

// ---------------------------------------------------------------------------- nesting limits

TEST(Nesting, HundredThousandParenthesesDoNotCrash) {
  std::string text =
      "pipeline p\nseed " + std::string(100000, '(') + "1" + std::string(100000, ')');
  auto parsed = parse(text);
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 1u) << parsed->all_messages();
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::NestingTooDeep);
  EXPECT_EQ(diagnostics[0].primary.begin, text.find('(') + 128);  // the 129th
  EXPECT_EQ(dump_module(parsed->module), "pipeline p\n");
}

TEST(Nesting, HundredThousandUnaryMinusesDoNotCrash) {
  std::string text = "seed " + std::string(100000, '-') + "1";
  auto parsed = parse(text);
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::NestingTooDeep);
  EXPECT_EQ(diagnostics[0].primary.begin, 5u + 128);
  EXPECT_TRUE(parsed->module.decls.empty());

  std::string nots = "seed ";
  for (int i = 0; i < 100000; ++i) nots += "not ";
  auto words = parse(nots + "x");
  EXPECT_EQ(words->count(DiagnosticKind::NestingTooDeep), 1u);
}

TEST(Nesting, MillionTermChainDoesNotCrash) {
  std::string text = "pipeline p\nseed 1";
  text.reserve(2000100);
  for (int i = 1; i < 1000000; ++i) text += "+1";
  text += "\nseed 2";
  auto parsed = parse(text);
  auto diagnostics = parsed->sorted();
  ASSERT_EQ(diagnostics.size(), 1u) << parsed->all_messages();
  EXPECT_EQ(diagnostics[0].kind, DiagnosticKind::NestingTooDeep);
  EXPECT_EQ(diagnostics[0].message, "expression has more than 1000 operators");
  // At the 1001st `+`.
  EXPECT_EQ(diagnostics[0].primary.begin, text.find("seed 1") + 6 + 2 * 1000);
  EXPECT_EQ(dump_module(parsed->module), "pipeline p\n");
}

TEST(Nesting, LongestAllowedChainsParse) {
  std::string sum = "seed 1";
  for (int i = 0; i < 1000; ++i) sum += "+1";
  auto parsed = parse(sum);
  EXPECT_EQ(parsed->diagnostics.total(), 0u) << parsed->all_messages();
  ASSERT_EQ(parsed->module.decls.size(), 1u);
  EXPECT_EQ(parsed->module.decls[0]->span.end, sum.size());

  std::string members = "expect s";
  for (int i = 0; i < 1000; ++i) members += ".f";
  EXPECT_EQ(parse(members)->diagnostics.total(), 0u);
  auto too_many = parse(members + ".f");
  EXPECT_EQ(too_many->count(DiagnosticKind::NestingTooDeep), 1u);

  // Operators of enclosing expressions count too: the tree is as deep as their sum.
  std::string nested = "seed ";
  for (int level = 0; level < 3; ++level) {
    for (int i = 0; i < 400; ++i) nested += "1+";
    nested += "(";
  }
  nested += "1" + std::string(3, ')');
  auto deep = parse(nested);
  ASSERT_EQ(deep->count(DiagnosticKind::NestingTooDeep), 1u) << deep->all_messages();
  // The 1001st operator is the 201st of the third level.
  EXPECT_EQ(deep->first(DiagnosticKind::NestingTooDeep)->primary.begin, 5u + 2 * 801 + 2 * 201 - 1);

  // Operators are counted per expression: a long list of short sums is fine.
  std::string list = "seed [";
  for (int i = 0; i < 20000; ++i) list += "1+1,";
  EXPECT_EQ(parse(list + "]")->diagnostics.total(), 0u);
}

TEST(Nesting, DeepestAllowedNestingParsesInBothStages) {
  std::string calls = "stage s = ";
  for (int i = 0; i < 64; ++i) calls += "f(a: [";
  std::string valid = calls + "1" + std::string(64 * 2, ' ');
  for (int i = 0; i < 64; ++i)
    valid[valid.size() - 128 + 2 * i] = ']', valid[valid.size() - 127 + 2 * i] = ')';
  auto parsed = parse(valid);
  EXPECT_EQ(parsed->diagnostics.total(), 0u) << parsed->all_messages();
  EXPECT_EQ(parsed->module.decls.size(), 1u);

  // The same depth with an error at the bottom goes through the LL stage.
  std::string invalid = valid;
  invalid.replace(invalid.find('1'), 1, "1 1");
  auto broken = parse(invalid);
  EXPECT_EQ(broken->count(DiagnosticKind::SyntaxError), 1u);

  std::string unary = "seed " + std::string(128, '-') + "1";
  EXPECT_EQ(parse(unary)->diagnostics.total(), 0u);
  std::string mixed = "seed ";
  for (int i = 0; i < 64; ++i) mixed += "-(";
  mixed += "x" + std::string(64, ')');
  EXPECT_EQ(parse(mixed)->diagnostics.total(), 0u);
  EXPECT_EQ(parse("seed -" + mixed.substr(5))->count(DiagnosticKind::NestingTooDeep), 1u);
}

TEST(Nesting, UnclosedBracketsOfBrokenDeclarationsDoNotAccumulate) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "stage s" + std::to_string(i) + " = f(\n";
  auto parsed = parse(text);
  EXPECT_EQ(parsed->count(DiagnosticKind::NestingTooDeep), 0u);
  EXPECT_GE(parsed->count(DiagnosticKind::SyntaxError), 1u);
}

TEST(Nesting, LimitIsConfigurable) {
  ParseLimits limits;
  limits.max_depth = 3;
  EXPECT_EQ(parse("seed [[[1]]]", limits)->diagnostics.total(), 0u);
  auto deep = parse("seed [[[[1]]]]", limits);
  ASSERT_EQ(deep->count(DiagnosticKind::NestingTooDeep), 1u);
  EXPECT_EQ(deep->first(DiagnosticKind::NestingTooDeep)->primary.begin, 8u);
}

}  // namespace
}  // namespace mlf
