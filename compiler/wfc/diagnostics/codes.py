"""Every diagnostic code wfc reports, defined once: its severity, its title and where
docs/errors.md explains it (a test holds the document to this registry).

Codes by stage: WFC000-WFC009 loading the file, WFC010-WFC021 the shape (the JSON schema),
WFC030-WFC0xx the meaning (references, producers, cycles, resources, templates), WFC070-WFC079
agents and permissions, WFC080-WFC089 fan-out and conditions on results, WFC3xx warnings
from the analysis and the outputs, WFC6xx `wfc import`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Tuple

from wfc.diagnostics import ERROR, WARNING, Diagnostic

DOCUMENT = "docs/errors.md"


@dataclass(frozen=True)
class Code:
    """One diagnostic code. `at` makes a positioned Diagnostic of it."""

    code: str
    severity: str
    title: str

    @property
    def heading(self) -> str:
        """The code's heading in docs/errors.md."""
        return f"{self.code}: {'warning: ' if self.is_warning else ''}{self.title}"

    @property
    def documentation(self) -> str:
        """Where docs/errors.md explains the code: the id GitHub gives its heading."""
        slug = "".join(char for char in self.heading.lower() if char.isalnum() or char in " -_").replace(" ", "-")
        return f"{DOCUMENT}#{slug}"

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING

    def at(self, message: str, file: str, line: int = 1, column: int = 1, hint: str = "",
           path: Tuple[Any, ...] = (), source_line: str = "") -> Diagnostic:
        return Diagnostic(self.code, self.severity, message, file, line, column, hint, path, source_line)


REGISTRY: Dict[str, Code] = {}


def _register(code: str, title: str, severity: str = ERROR) -> Code:
    entry = Code(code, severity, title)
    REGISTRY[code] = entry
    return entry



# -- loading the file

UNREADABLE_FILE = _register("WFC000", "the file cannot be read")
INVALID_YAML = _register("WFC001", "invalid YAML")
FILE_TOO_LARGE = _register("WFC002", "the file is too large")
NOT_UTF8 = _register("WFC003", "the file is not UTF-8")
SEVERAL_DOCUMENTS = _register("WFC004", "several YAML documents in one file")
TOO_DEEP = _register("WFC005", "nested too deeply")
KEY_NOT_PLAIN = _register("WFC006", "a mapping key that is not a plain value")
DUPLICATE_KEY = _register("WFC007", "duplicate key")
ALIAS_BOMB = _register("WFC008", "aliases expand too far")
TAG_NOT_ALLOWED = _register("WFC009", "a tag that is not allowed")

# -- the shape (the JSON schema)

UNKNOWN_KEY = _register("WFC010", "unknown key")
MISSING_KEY = _register("WFC011", "missing required key")
WRONG_TYPE = _register("WFC012", "wrong type")
PATTERN_MISMATCH = _register("WFC013", "a name or value that does not match its pattern")
NOT_ALLOWED_VALUE = _register("WFC014", "a value outside its allowed set")
OUT_OF_RANGE = _register("WFC015", "a value out of range")
NOT_A_MAPPING = _register("WFC016", "the file is not a mapping")
NOT_A_DURATION = _register("WFC020", "not a duration")
NOT_FINITE = _register("WFC021", "a backoff factor that is not a finite number")

# -- the meaning (references, producers, cycles, resources, templates)

KIND_OF_WORK = _register("WFC030", "a step with no kind or several kinds of work")
KEY_OF_OTHER_KIND = _register("WFC031", "a key for another kind of step")
COMPENSATION_ACTION = _register("WFC032", "a compensation without exactly one action")
NAME_DIFFERS = _register("WFC040", "`name` differs from the file stem")
UNKNOWN_STEP = _register("WFC041", "`needs` names no step")
NEEDS_ITSELF = _register("WFC042", "a step needs itself")
UNDECLARED_CONTEXT = _register("WFC043", "context not declared")
TWO_PRODUCERS = _register("WFC044", "a context name with two producers")
NO_PRODUCER = _register("WFC045", "an input nobody produces")
CYCLE = _register("WFC046", "a cycle")
UNDECLARED_RESOURCE = _register("WFC047", "a resource that is not declared")
OVER_CAPACITY = _register("WFC048", "a request over capacity")
TEMPLATE_SYNTAX = _register("WFC050", "a template that does not parse")
TEMPLATE_UNDEFINED = _register("WFC051", "a template names something undefined")
DEFAULT_NOT_IN_ENUM = _register("WFC052", "an argument default outside its enum")
DEFAULT_WRONG_TYPE = _register("WFC053", "an argument default of the wrong type")
NUMBER_NOT_REPRESENTABLE = _register("WFC054", "an argument number that JSON cannot carry")
UNKNOWN_FILTER = _register("WFC055", "a template uses a filter or test Jinja does not have")
UNQUOTED_VALUE = _register("WFC056", "a shell command pastes a value unquoted", WARNING)
FILE_NAME_NOT_COMMAND = _register("WFC057", "a workflow file name that cannot be a command name")
QUOTING_UNDECIDABLE = _register("WFC058", "a shell command whose quoting wfc cannot tell")

# -- agents and permissions (Claude Code)

UNKNOWN_AGENT = _register("WFC070", "an agent Claude Code would not find", WARNING)
BROAD_RULE = _register("WFC071", "a permission rule that approves too much", WARNING)
AGENT_TWICE = _register("WFC072", "an agent defined by two workflows")

# -- fan-out and conditions on results

FAN_OUT_ARGUMENT = _register("WFC080", "`for_each` over an argument that is not a declared list")
FAN_OUT_CONTEXT = _register("WFC081", "`for_each` over context no earlier step produces")
DUPLICATE_INSTANCE = _register("WFC082", "two items of a fan-out give one instance id")
LOOP_OUTSIDE_FAN_OUT = _register("WFC083", "`item` or `index` outside a fan-out")
FAN_OUT_KEY_ALONE = _register("WFC084", "a fan-out key on a step without `for_each`")
MIN_SUCCESS_TOO_HIGH = _register("WFC085", "`min_success` above the number of items")
CONDITION_STEP = _register("WFC086", "a condition reads a step it does not wait for")
CONDITION_ATTRIBUTE = _register("WFC087", "a condition reads what a step does not have")

# -- warnings from the analysis

TTL_TOO_SHORT = _register("WFC301", "a context entry expires before its last reader starts", WARNING)
OUTPUT_UNREAD = _register("WFC302", "an output nobody reads", WARNING)
ESTIMATE_DEFAULTED = _register("WFC303", "a defaulted estimate", WARNING)

# -- warnings from the outputs

SCRIPT_CANNOT_CARRY = _register("WFC320", "a template the Workflow script cannot carry", WARNING)

# -- budgets (an error, numbered with the runtime's spend)

BUDGET_NOT_DOLLARS = _register("WFC330", "a `max_cost` that is not an amount of dollars")

# -- warnings about fan-out and triggers

ESTIMATE_ITEMS_IGNORED = _register("WFC340", "`estimate_items` on a list written in the file", WARNING)
ON_FAILURE_UNREACHABLE = _register("WFC341", "an `on_failure` step that waits for nothing", WARNING)
OUTCOME_NEVER_SEEN = _register("WFC342", "a condition tests an outcome its trigger never lets it see", WARNING)

# -- `wfc import`

IMPORT_DROPPED = _register("WFC600", "`wfc import` dropped or reread a line", WARNING)
IMPORT_NOT_TEXT = _register("WFC601", "`wfc import`: not a text file")
IMPORT_EMPTY = _register("WFC602", "`wfc import`: nothing to import")
IMPORT_NOT_A_COMMAND = _register("WFC605", "`wfc import`: not a slash command")
IMPORT_UNKNOWN_AGENT = _register("WFC606", "`wfc import`: an agent Claude Code would not find", WARNING)
