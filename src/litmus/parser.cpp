// The recursive-descent parser (grammar in docs/litmus.md). Syntax only: which operations,
// arguments, config keys and switches exist is checked by sema.cpp against the registry.
#include "litmus/ast.hpp"
#include "litmus/lexer.hpp"

#include <cctype>

namespace litmus {
namespace {

bool is_cpu_name(std::string_view s)
{
	if (s.size() < 2 || s[0] != 'P' || s.size() > 4)
		return false;
	for (std::size_t i = 1; i < s.size(); ++i)
		if (!std::isdigit(static_cast<unsigned char>(s[i])))
			return false;
	return s.size() == 2 || s[1] != '0';
}

class Parser {
public:
	Parser(std::string_view src, const std::string& file) : lx_(src, file) {}

	Ast parse_file();

private:
	void advance()
	{
		do
			cur_ = lx_.next();
		while (cur_.kind == Tok::comment);
	}
	[[noreturn]] void fail_here(std::string_view expected) const
	{
		lx_.fail(cur_.loc, unexpected(cur_.kind == Tok::eof ? "" : cur_.text, expected));
	}
	Token expect(Tok k, std::string_view expected)
	{
		if (cur_.kind != k)
			fail_here(expected);
		Token t = cur_;
		advance();
		return t;
	}
	bool at_word(std::string_view w) const { return cur_.kind == Tok::ident && cur_.text == w; }

	void parse_header(Ast& a);
	void parse_config(Ast& a);
	Block parse_block(int cpu, Loc loc);
	Stmt parse_stmt();
	Value parse_value(bool allow_list);
	Expectation parse_expectation();
	Cond parse_or();
	Cond parse_and();
	Cond parse_unary();
	Cond parse_atom();

	Lexer lx_;
	Token cur_;
};

Ast Parser::parse_file()
{
	Ast a;
	a.file = lx_.file();
	parse_header(a);
	for (;;) {
		if (at_word("config")) {
			if (a.has_config)
				lx_.fail(cur_.loc, "duplicate config block (first at " +
							    a.config_loc.str() + ")");
			parse_config(a);
		} else if (at_word("init")) {
			Loc loc = cur_.loc;
			if (a.init)
				lx_.fail(loc, "duplicate init block (first at " + a.init->loc.str() + ")");
			advance();
			a.init = parse_block(-1, loc);
		} else if (cur_.kind == Tok::ident && is_cpu_name(cur_.text)) {
			Loc loc = cur_.loc;
			int cpu = std::stoi(std::string(cur_.text.substr(1)));
			for (const Block& b : a.cpus)
				if (b.cpu == cpu)
					lx_.fail(loc, "duplicate CPU block P" + std::to_string(cpu) +
							      " (first at " + b.loc.str() + ")");
			advance();
			a.cpus.push_back(parse_block(cpu, loc));
		} else if (at_word("forbid") || at_word("exists") || at_word("forall") ||
			   cur_.kind == Tok::tilde) {
			if (a.cpus.empty())
				fail_here("a CPU block such as 'P0 (A) { ... }' before the expectation");
			a.expect = parse_expectation();
			if (cur_.kind != Tok::eof)
				fail_here("end of file after the expectation");
			break;
		} else if (cur_.kind == Tok::eof) {
			if (a.cpus.empty())
				lx_.fail(cur_.loc, "unexpected end of file (expected a CPU block such as "
						   "'P0 (A) { ... }')");
			lx_.fail(cur_.loc, "unexpected end of file (expected an expectation: forbid "
					   "violation, exists, ~exists or forall)");
		} else {
			fail_here("config, init, a CPU block P0..P14 or an expectation");
		}
	}
	return a;
}

void Parser::parse_header(Ast& a)
{
	Token t = lx_.next();
	while (t.kind == Tok::comment)
		t = lx_.next();
	if (t.kind != Tok::ident || t.text != "mmcheck")
		lx_.fail(t.loc, unexpected(t.kind == Tok::eof ? "" : t.text,
					   "'mmcheck AREA/NAME' as the first line"));
	Token name = lx_.word();
	if (name.text.empty())
		lx_.fail(name.loc, "missing scenario name after 'mmcheck' (expected AREA/NAME)");
	for (char c : name.text)
		if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '/' &&
		    c != '+' && c != '.')
			lx_.fail(name.loc, unexpected(name.text, "a scenario name of letters, digits and _-/+."));
	a.name = name.text;
	a.name_loc = name.loc;
	// The description and the header comment, in this order, each optional.
	Token n = lx_.next();
	if (n.kind == Tok::string) {
		a.description = n.text;
		n = lx_.next();
	}
	if (n.kind == Tok::comment) {
		parse_header_comment(a.header, n, lx_);
		advance();
	} else {
		cur_ = n;
	}
}

void Parser::parse_config(Ast& a)
{
	a.has_config = true;
	a.config_loc = cur_.loc;
	advance();
	expect(Tok::lbrace, "'{' after config");
	while (cur_.kind != Tok::rbrace) {
		ConfigEntry e;
		if (at_word("fix")) {
			e.is_switch = true;
			advance();
		}
		if (cur_.kind != Tok::ident)
			fail_here(e.is_switch ? "a switch name after fix" : "a config key or '}'");
		e.key = cur_.text;
		e.key_loc = cur_.loc;
		advance();
		expect(Tok::eq, "'=' after " + e.key);
		e.value = parse_value(false);
		if (cur_.kind == Tok::semi)
			advance();
		a.config.push_back(std::move(e));
	}
	advance();
}

Block Parser::parse_block(int cpu, Loc loc)
{
	Block b;
	b.cpu = cpu;
	b.loc = loc;
	if (cpu >= 0 && cur_.kind == Tok::lparen) {
		advance();
		Token p = expect(Tok::ident, "the name of the CPU's process");
		b.process = p.text;
		b.process_loc = p.loc;
		expect(Tok::rparen, "')' after the process name");
	}
	expect(Tok::lbrace, cpu >= 0 ? "'{' or '(PROCESS)' after the CPU name" : "'{' after init");
	while (cur_.kind != Tok::rbrace) {
		if (cur_.kind == Tok::eof)
			fail_here("an operation or '}'");
		b.stmts.push_back(parse_stmt());
	}
	advance();
	return b;
}

Stmt Parser::parse_stmt()
{
	Stmt s;
	if (cur_.kind != Tok::ident)
		fail_here("an operation or '}'");
	Token first = cur_;
	advance();
	if (cur_.kind == Tok::eq) {
		s.reg = first.text;
		s.reg_loc = first.loc;
		advance();
		if (cur_.kind != Tok::ident)
			fail_here("an operation after '" + s.reg + " ='");
		first = cur_;
		advance();
	}
	s.op = first.text;
	s.op_loc = first.loc;
	expect(Tok::lparen, "'(' after " + s.op);
	while (cur_.kind != Tok::rparen) {
		Arg arg;
		Token n = expect(Tok::ident, "an argument name or ')'");
		arg.name = n.text;
		arg.name_loc = n.loc;
		expect(Tok::eq, "'=' after argument " + arg.name);
		arg.value = parse_value(true);
		s.args.push_back(std::move(arg));
		if (cur_.kind == Tok::comma)
			advance();
		else if (cur_.kind != Tok::rparen)
			fail_here("',' or ')'");
	}
	advance();
	if (cur_.kind == Tok::semi)
		advance();
	return s;
}

Value Parser::parse_value(bool allow_list)
{
	Value v;
	v.loc = cur_.loc;
	if (cur_.kind == Tok::minus) {
		v.negative = true;
		advance();
		if (cur_.kind != Tok::number && cur_.kind != Tok::ident)
			fail_here("a number or an errno name after '-'");
	}
	if (cur_.kind == Tok::number) {
		v.kind = Value::number;
		v.items.emplace_back(cur_.text);
		v.item_locs.push_back(cur_.loc);
		v.loc.end_col = cur_.loc.end_col;
		advance();
		return v;
	}
	if (cur_.kind != Tok::ident)
		fail_here("a value");
	v.kind = Value::names;
	for (;;) {
		v.items.emplace_back(cur_.text);
		v.item_locs.push_back(cur_.loc);
		v.loc.end_col = cur_.loc.line == v.loc.line ? cur_.loc.end_col : v.loc.end_col;
		advance();
		if (!allow_list || v.negative || cur_.kind != Tok::pipe)
			break;
		advance();
		if (cur_.kind != Tok::ident)
			fail_here("a name after '|'");
	}
	return v;
}

Expectation Parser::parse_expectation()
{
	Expectation e;
	e.loc = cur_.loc;
	if (cur_.kind == Tok::tilde) {
		advance();
		if (!at_word("exists"))
			fail_here("'exists' after '~'");
		advance();
		e.kind = Expectation::not_exists;
		e.cond = parse_or();
		return e;
	}
	if (at_word("forbid")) {
		advance();
		if (!at_word("violation"))
			fail_here("'violation' after forbid (forbid violation)");
		advance();
		e.kind = Expectation::forbid_violation;
		return e;
	}
	if (at_word("forall")) {
		advance();
		e.kind = Expectation::forall;
		e.cond = parse_or();
		return e;
	}
	advance(); // exists
	if (at_word("violation")) {
		advance();
		e.kind = Expectation::exists_violation;
		for (;;) {
			Token k = expect(Tok::ident, "a violation kind such as use-after-free");
			e.kinds.emplace_back(k.text);
			e.kind_locs.push_back(k.loc);
			if (cur_.kind != Tok::pipe)
				break;
			advance();
		}
		return e;
	}
	e.kind = Expectation::exists;
	e.cond = parse_or();
	return e;
}

Cond Parser::parse_or()
{
	Cond left = parse_and();
	while (cur_.kind == Tok::or_) {
		Loc loc = left.loc;
		advance();
		Cond c;
		c.kind = Cond::or_;
		c.loc = loc;
		c.kids.push_back(std::move(left));
		c.kids.push_back(parse_and());
		left = std::move(c);
	}
	return left;
}

Cond Parser::parse_and()
{
	Cond left = parse_unary();
	while (cur_.kind == Tok::and_) {
		Loc loc = left.loc;
		advance();
		Cond c;
		c.kind = Cond::and_;
		c.loc = loc;
		c.kids.push_back(std::move(left));
		c.kids.push_back(parse_unary());
		left = std::move(c);
	}
	return left;
}

Cond Parser::parse_unary()
{
	Cond c;
	c.loc = cur_.loc;
	if (cur_.kind == Tok::tilde) {
		advance();
		c.kind = Cond::not_;
		c.kids.push_back(parse_unary());
		return c;
	}
	if (cur_.kind == Tok::lparen) {
		advance();
		Cond inner = parse_or();
		expect(Tok::rparen, "')' or a connective (/\\, \\/)");
		return inner;
	}
	if (at_word("true") || at_word("false")) {
		c.kind = at_word("true") ? Cond::true_ : Cond::false_;
		advance();
		return c;
	}
	return parse_atom();
}

Cond Parser::parse_atom()
{
	Cond c;
	c.kind = Cond::atom;
	c.loc = cur_.loc;
	if (cur_.kind != Tok::ident)
		fail_here("a condition such as P0:r0=1 or P1:sigbus");
	c.scope = cur_.text;
	c.scope_loc = cur_.loc;
	advance();
	expect(Tok::colon, "':' after " + c.scope + " (P0:r0, P1:sigbus, A:sigsegv)");
	Token n = expect(Tok::ident, "a register or an outcome after " + c.scope + ":");
	c.name = n.text;
	c.name_loc = n.loc;
	if (cur_.kind == Tok::eq || cur_.kind == Tok::neq) {
		c.has_value = true;
		c.not_equal = cur_.kind == Tok::neq;
		advance();
		c.value = parse_value(false);
	}
	return c;
}

} // namespace

Ast parse(std::string_view src, const std::string& file)
{
	Parser p(src, file);
	return p.parse_file();
}

} // namespace litmus
