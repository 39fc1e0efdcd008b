// The canonical text of a syntax tree: blocks in the order config, init, P0.., expectation;
// one operation per line; comments other than the header comment are not kept.
#include "litmus/ast.hpp"

#include <algorithm>
#include <sstream>

namespace litmus {

std::string Value::str() const
{
	std::string s = negative ? "-" : "";
	for (std::size_t i = 0; i < items.size(); ++i)
		s += (i ? "|" : "") + items[i];
	return s;
}

namespace {

// Binding strength: or < and < not/atom.
int strength(const Cond& c)
{
	return c.kind == Cond::or_ ? 1 : c.kind == Cond::and_ ? 2 : 3;
}

void print_cond(std::ostringstream& os, const Cond& c)
{
	auto kid = [&](const Cond& k, int min) {
		bool paren = strength(k) < min;
		if (paren)
			os << "(";
		print_cond(os, k);
		if (paren)
			os << ")";
	};
	switch (c.kind) {
	case Cond::true_:
		os << "true";
		break;
	case Cond::false_:
		os << "false";
		break;
	case Cond::atom:
		os << c.scope << ":" << c.name;
		if (c.has_value)
			os << (c.not_equal ? "!=" : "=") << c.value.str();
		break;
	case Cond::not_:
		os << "~";
		kid(c.kids[0], 3);
		break;
	case Cond::and_:
		kid(c.kids[0], 2);
		os << " /\\ ";
		kid(c.kids[1], 3);
		break;
	case Cond::or_:
		kid(c.kids[0], 1);
		os << " \\/ ";
		kid(c.kids[1], 2);
		break;
	}
}

void print_block(std::ostringstream& os, const Block& b)
{
	if (b.cpu < 0)
		os << "init {\n";
	else if (b.process.empty())
		os << "P" << b.cpu << " {\n";
	else
		os << "P" << b.cpu << " (" << b.process << ") {\n";
	for (const Stmt& s : b.stmts) {
		os << "\t";
		if (!s.reg.empty())
			os << s.reg << " = ";
		os << s.op << "(";
		for (std::size_t i = 0; i < s.args.size(); ++i)
			os << (i ? ", " : "") << s.args[i].name << "=" << s.args[i].value.str();
		os << ")\n";
	}
	os << "}\n";
}

} // namespace

std::string print(const Cond& c)
{
	std::ostringstream os;
	print_cond(os, c);
	return os.str();
}

std::string print(const Ast& a)
{
	std::ostringstream os;
	os << "mmcheck " << a.name << "\n";
	if (!a.description.empty())
		os << "\"" << a.description << "\"\n";
	if (!a.header.comment.empty() || a.header.comment_loc.line != 0)
		os << "(*" << a.header.comment << "*)\n";
	if (a.has_config) {
		os << "\nconfig {\n";
		for (const ConfigEntry& e : a.config)
			os << "\t" << (e.is_switch ? "fix " : "") << e.key << " = " << e.value.str()
			   << "\n";
		os << "}\n";
	}
	if (a.init) {
		os << "\n";
		print_block(os, *a.init);
	}
	std::vector<const Block*> cpus;
	for (const Block& b : a.cpus)
		cpus.push_back(&b);
	std::stable_sort(cpus.begin(), cpus.end(),
			 [](const Block* x, const Block* y) { return x->cpu < y->cpu; });
	for (const Block* b : cpus) {
		os << "\n";
		print_block(os, *b);
	}
	os << "\n";
	const Expectation& e = a.expect;
	switch (e.kind) {
	case Expectation::forbid_violation:
		os << "forbid violation";
		break;
	case Expectation::exists_violation:
		os << "exists violation";
		for (std::size_t i = 0; i < e.kinds.size(); ++i)
			os << (i ? "|" : " ") << e.kinds[i];
		break;
	case Expectation::exists:
		os << "exists (" << print(*e.cond) << ")";
		break;
	case Expectation::not_exists:
		os << "~exists (" << print(*e.cond) << ")";
		break;
	case Expectation::forall:
		os << "forall (" << print(*e.cond) << ")";
		break;
	}
	os << "\n";
	return os.str();
}

} // namespace litmus
