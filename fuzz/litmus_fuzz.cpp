// libFuzzer target for the scenario language: any input either fails with a litmus::Error
// (bad input, exit 2) or parses and compiles; a parsed file prints to a canonical text that
// parses again to the same text. Anything else (a crash, a sanitizer report, another
// exception, a print that does not round-trip) is an mmcheck bug. Run by scripts/fuzz.
#include "litmus/scenario.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const std::string_view text(reinterpret_cast<const char*>(data), size);
	litmus::Ast ast;
	try {
		ast = litmus::parse(text, "fuzz.litmus");
	} catch (const litmus::Error&) {
		return 0;
	}
	const std::string once = litmus::print(ast);
	litmus::Ast again = litmus::parse(once, "printed.litmus"); // must not throw
	if (litmus::print(again) != once)
		__builtin_trap();
	try {
		litmus::compile(std::move(ast));
	} catch (const litmus::Error&) {
	}
	return 0;
}
