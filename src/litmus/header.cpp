// The header comment's structured lines (LKMM style): Link:, Fix: and Result:.
#include "litmus/ast.hpp"
#include "litmus/lexer.hpp"

#include <cctype>

namespace litmus {
namespace {

std::string_view trim(std::string_view s)
{
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
		s.remove_suffix(1);
	return s;
}

} // namespace

// Link:, Fix: and Result: lines of the header comment (LKMM style). Each line may start
// with " * ". Result: Never | Sometimes | Always, or one per state of the Fix: switch:
// "Result: Never (fix on), Sometimes (fix off)".
void parse_header_comment(Header& h, const Token& t, const Lexer& lx_)
{
	h.comment = t.text;
	h.comment_loc = t.loc;
	std::string_view text = t.text;
	int line = t.loc.line;
	std::size_t start = 0;
	for (;;) {
		std::size_t nl = text.find('\n', start);
		std::string_view raw = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
		int col0 = (line == t.loc.line ? t.loc.col + 2 : 1);
		std::string_view s = trim(raw);
		if (!s.empty() && s.front() == '*' && (s.size() == 1 || s[1] != ')'))
			s = trim(s.substr(1));
		auto col_of = [&](std::string_view part) {
			return col0 + static_cast<int>(part.data() - raw.data());
		};
		auto loc_of = [&](std::string_view part) {
			int c = col_of(part);
			return Loc{line, c, c + static_cast<int>(part.empty() ? 0 : part.size() - 1)};
		};
		auto take = [&](std::string_view key) {
			if (s.substr(0, key.size()) != key)
				return false;
			s = trim(s.substr(key.size()));
			return true;
		};
		if (take("Link:")) {
			h.links.emplace_back(s);
		} else if (take("Fix:")) {
			if (!h.fix.empty())
				lx_.fail(loc_of(s), "duplicate Fix: line (one switch per scenario)");
			if (s.empty() || s.find_first_of(" \t,") != std::string_view::npos)
				lx_.fail(loc_of(s), unexpected(s, "one switch name after Fix:"));
			h.fix = s;
			h.fix_loc = loc_of(s);
		} else if (take("Result:")) {
			if (!h.results.empty())
				lx_.fail(loc_of(s), "duplicate Result: line");
			h.result_loc = loc_of(s);
			std::string_view rest = s;
			for (;;) {
				rest = trim(rest);
				std::size_t w = 0;
				while (w < rest.size() && std::isalpha(static_cast<unsigned char>(rest[w])))
					++w;
				std::string_view obs = rest.substr(0, w);
				if (obs != "Never" && obs != "Sometimes" && obs != "Always")
					lx_.fail(loc_of(rest.substr(0, std::max<std::size_t>(w, 1))),
						 unexpected(rest.substr(0, w ? w : rest.size()),
							    "Never, Sometimes or Always"));
				Header::Result r{std::string(obs), "", ""};
				rest = trim(rest.substr(w));
				if (!rest.empty() && rest.front() == '(') {
					std::size_t close = rest.find(')');
					std::string_view inner = rest.substr(1, close == std::string_view::npos
											  ? std::string_view::npos
											  : close - 1);
					std::string_view in = trim(inner);
					std::size_t sp = in.find(' ');
					std::string_view kind = in.substr(0, sp);
					std::string_view state =
					    sp == std::string_view::npos ? "" : trim(in.substr(sp));
					if (close == std::string_view::npos ||
					    (kind != "fix" && kind != "proposal" && kind != "mutant") ||
					    (state != "on" && state != "off"))
						lx_.fail(loc_of(rest.substr(0, close == std::string_view::npos
											? rest.size()
											: close + 1)),
							 unexpected(rest.substr(0, close == std::string_view::npos
											? rest.size()
											: close + 1),
								    "a state such as '(fix on)' or '(mutant off)'"));
					r.kind = kind;
					r.state = state;
					rest = trim(rest.substr(close + 1));
				}
				h.results.push_back(r);
				if (rest.empty())
					break;
				if (rest.front() != ',')
					lx_.fail(loc_of(rest.substr(0, 1)),
						 unexpected(rest.substr(0, 1), "',' between Result: states"));
				rest.remove_prefix(1);
			}
		}
		if (nl == std::string_view::npos)
			break;
		start = nl + 1;
		++line;
	}
}

} // namespace litmus
