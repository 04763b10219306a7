"""Discovery: with hundreds of tools the prompt lists namespaces only, and the plan finds tools
with codemode.search and reads them with codemode.describe."""

import itertools

import pytest

from workerbox.codemode import Provider, Tool, ToolAPI
from workerbox.codemode.discovery import estimate_tokens

VERBS = ["list", "get", "create", "update", "delete", "search", "merge", "close", "lock", "archive"]
NOUNS = [
    "pull_requests", "issues", "comments", "labels", "milestones", "releases", "branches", "commits",
    "repositories", "workflows", "runs", "artifacts", "secrets", "webhooks", "teams", "members",
    "projects", "discussions", "gists", "deployments",
]  # fmt: skip


def github_tools() -> list[Tool]:
    """200 tools shaped like a large MCP server's: schema-only, with descriptions."""
    tools = []
    for verb, noun in itertools.product(VERBS, NOUNS):
        thing = noun.replace("_", " ")
        schema = {
            "type": "object",
            "properties": {
                "owner": {"type": "string", "description": "the account that owns the repository"},
                "repo": {"type": "string", "description": "the repository's name"},
                "state": {"enum": ["open", "closed", "all"], "description": f"which {thing} to include"},
                "per_page": {"type": "integer", "description": "results per page, at most 100"},
            },
            "required": ["owner", "repo"],
        }

        def call(args, verb=verb, noun=noun):
            return {"did": f"{verb} {noun}", "repo": f"{args['owner']}/{args['repo']}"}

        tools.append(Tool(f"{verb}_{noun}", f"{verb.capitalize()} {thing} of a repository.", schema, call))
    return tools


@pytest.fixture(scope="module")
def big():
    return ToolAPI([Provider("github", github_tools(), instructions="GitHub's REST API.")])


def test_a_large_tool_set_switches_to_discovery_and_the_prompt_shrinks(big):
    full = ToolAPI([Provider("github", github_tools())], discovery=False)
    assert big.discovery and not full.discovery
    small, large = estimate_tokens(big.typescript()), estimate_tokens(full.typescript())
    assert large > 8_000 and small < 400, (small, large)
    ts = big.typescript()
    assert "/** github: 200 tools. GitHub's REST API. */" in ts
    assert "declare const github: { [tool: string]: (...args: any[]) => Promise<any> };" in ts
    assert "search(args: { query: string; limit?: number }): Promise<{ path: string; description: string }[]>;" in ts
    assert "list_pull_requests" not in ts


def test_search_ranks_by_name_and_describe_gives_the_declaration(big):
    plan = """
    const hits = await codemode.search({ query: 'list pull requests', limit: 3 })
    const decl = await codemode.describe({ path: hits[0].path })
    const done = await github.list_pull_requests({ owner: 'ada', repo: 'engine' })
    return { hits, decl, done }
    """
    result = big.run(plan)
    assert result.error is None, result.error
    assert result.value["hits"][0] == {"path": "github.list_pull_requests", "description": "List pull requests of a repository."}
    assert len(result.value["hits"]) == 3
    decl = result.value["decl"]
    assert "declare const github: {" in decl and "GitHub's REST API" not in decl
    assert 'list_pull_requests(args: { /** the account that owns the repository */ owner: string;' in decl
    assert '/** which pull requests to include */ state?: "open" | "closed" | "all"' in decl
    assert result.value["done"] == {"did": "list pull_requests", "repo": "ada/engine"}
    assert [c.name for c in result.calls] == ["search", "describe", "list_pull_requests"]


def test_search_matches_descriptions_and_words_inside_names(big):
    hits = big.run("return await codemode.search({ query: 'archive webhooks' })").value
    assert hits[0]["path"] == "github.archive_webhooks"
    assert big.run("return await codemode.search({ query: 'zebra' })").value == []


def test_describe_of_an_unknown_path_suggests_near_ones(big):
    result = big.run("return await codemode.describe({ path: 'github.list_pulls' })")
    assert "no tool at 'github.list_pulls'; did you mean github.list_" in result.error


@pytest.mark.parametrize("args", ["{}", "{ query: 5 }", "{ query: 'x', limit: 'all' }", "{ query: 'x', top: 1 }"])
def test_bad_search_calls_are_explained(big, args):
    result = big.run(f"return await codemode.search({args})")
    assert result.error is not None and result.error.startswith("ToolError: codemode.search: "), result.error


def test_discovery_can_be_forced_and_must_not_shadow_a_tool():
    def ping() -> str:
        """Answers pong."""
        return "pong"

    forced = ToolAPI([ping], discovery=True)
    assert forced.discovery and "ping(" not in forced.typescript()
    assert forced.run("return (await codemode.search({ query: 'pong' }))[0].path").value == "codemode.ping"

    def search(query: str) -> list[str]:
        return []

    with pytest.raises(ValueError, match="taken by discovery"):
        ToolAPI([search], discovery=True)
    assert not ToolAPI([search]).discovery
