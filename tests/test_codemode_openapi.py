"""OpenAPIConnector against a real HTTP server: a small pet store that the document describes
and a stdlib server on 127.0.0.1 implements, called through a urllib request function."""

import asyncio
import copy
import http.server
import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import given
from hypothesis import strategies as st
from workerbox.codemode import Provider, Tool, ToolAPI, ToolError
from workerbox.codemode.openapi import HTTPError, OpenAPIConnector

PETSTORE = {
    "openapi": "3.0.3",
    "info": {"title": "Pet Store", "version": "1.0", "description": "Pets for sale.\n\nMore detail."},
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "summary": "List pets",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "description": "How many at most",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                    {"name": "tag", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                    {"$ref": "#/components/parameters/RequestId"},
                ],
                "responses": {
                    "200": {
                        "description": "The pets",
                        "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}},
                    },
                    "default": {"$ref": "#/components/responses/Error"},
                },
            },
            "post": {
                "operationId": "create-pet",
                "summary": "Add a pet",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}}},
                "responses": {
                    "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}
                },
            },
        },
        "/pets/{petId}": {
            "parameters": [{"name": "petId", "in": "path", "required": True, "description": "The pet's id", "schema": {"type": "string"}}],
            "get": {
                "operationId": "showPetById",
                "summary": "Info for a pet",
                "parameters": [
                    {"$ref": "#/components/parameters/RequestId"},
                    {"name": "Authorization", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {"description": "The pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
                    "404": {"$ref": "#/components/responses/Error"},
                },
            },
            "delete": {"summary": "Delete a pet", "responses": {"204": {"description": "Deleted"}}},
        },
        "/files/{name}": {
            "get": {
                "operationId": "getFile",
                "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}},
            }
        },
        "/trees": {
            "post": {
                "operationId": "plantTree",
                "description": "Store a tree of nodes.",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}},
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}
                },
            }
        },
    },
    "components": {
        "parameters": {
            "RequestId": {"name": "X-Request-Id", "in": "header", "required": False, "schema": {"type": "string"}},
        },
        "responses": {
            "Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
        "schemas": {
            "Category": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "parent": {"type": "string", "nullable": True}},
            },
            "NewPet": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "tag": {"type": "string"},
                    "category": {"$ref": "#/components/schemas/Category"},
                },
            },
            "Pet": {
                "allOf": [
                    {"$ref": "#/components/schemas/NewPet"},
                    {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "readOnly": True}}},
                ]
            },
            "Node": {
                "type": "object",
                "required": ["label"],
                "properties": {"label": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}},
            },
            "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
        },
    },
}

PETSTORE_YAML = """\
openapi: 3.1.0
info: {title: Pet Store, version: '1.0'}
paths:
  /pets/{petId}:
    get:
      operationId: showPetById
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
      responses:
        200:
          description: The pet
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}, examples: [{id: '1'}]}
    x-generated: 2024-01-02
"""


class PetStore(http.server.BaseHTTPRequestHandler):
    """The API the document describes; every request it gets is recorded for the tests."""

    def log_message(self, format, *args):
        pass

    def _handle(self):
        server = self.server
        url = urllib.parse.urlsplit(self.path)
        segments = [urllib.parse.unquote(s) for s in url.path.split("/")[1:]]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        seen = {
            "method": self.command,
            "raw_path": url.path,
            "query": urllib.parse.parse_qs(url.query),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        server.requests.append(seen)
        status, answer = self._route(server.pets, segments, seen)
        data = json.dumps(answer).encode() if answer is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, pets, segments, seen):
        method = seen["method"]
        if seen["headers"].get("authorization") != "Bearer secret":
            return 401, {"message": "missing credentials"}
        if segments == ["pets"] and method == "GET":
            found = [p for p in pets.values() if not seen["query"].get("tag") or p.get("tag") in seen["query"]["tag"]]
            return 200, found[: int(seen["query"].get("limit", ["100"])[0])]
        if segments == ["pets"] and method == "POST":
            pet = {"id": str(len(pets) + 1), **seen["body"]}
            pets[pet["id"]] = pet
            return 201, pet
        if len(segments) == 2 and segments[0] == "pets":
            pet = pets.get(segments[1])
            if pet is None:
                return 404, {"message": f"no pet {segments[1]}"}
            if method == "DELETE":
                del pets[segments[1]]
                return 204, None
            return 200, pet
        if len(segments) == 2 and segments[0] == "files":
            return 200, {"name": segments[1]}
        if segments == ["trees"] and method == "POST":
            return 200, seen["body"]
        if segments == ["admin"]:
            return 200, {"admin": True}
        return 404, {"message": "no such route"}

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PetStore)
    httpd.daemon_threads = True
    httpd.requests = []
    httpd.pets = {}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def store(server):
    """The server with a known set of pets and an empty request log."""
    server.requests.clear()
    server.pets.clear()
    server.pets.update({"1": {"id": "1", "name": "Rex", "tag": "dog"}, "2": {"id": "2", "name": "Tom", "tag": "cat"}})
    return server


@pytest.fixture(scope="module")
def request_fn(server):
    """The user's request function: base URL and credentials added here, never by the model."""
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def request(method, path, *, query, headers, body):
        url = base + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={**headers, "Authorization": "Bearer secret"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            with e:
                raise HTTPError(e.code, json.loads(e.read() or b"null"), e.reason) from None
        return json.loads(raw) if raw else None

    return request


def tools_of(provider: Provider) -> dict[str, Tool]:
    assert all(isinstance(t, Tool) for t in provider.tools)
    return {t.name: t for t in provider.tools}  # type: ignore[union-attr]


def call(tool: Tool, **args):
    """What the dispatcher does: validate, then call (awaiting an async request function)."""
    assert tool.validate is not None
    result = tool.call(tool.validate(args))
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return result


@pytest.fixture(scope="module")
def pets(request_fn):
    return tools_of(OpenAPIConnector(PETSTORE, request_fn, "pets").provider())


def test_one_tool_per_operation_named_by_operation_id_or_method_and_path(request_fn):
    provider = OpenAPIConnector(PETSTORE, request_fn, "pets").provider()
    assert provider.name == "pets"
    assert [t.name for t in provider.tools] == [  # type: ignore[union-attr]
        "listPets", "create_pet", "showPetById", "delete_pets_by_petId", "getFile", "plantTree", "request",
    ]  # fmt: skip
    assert provider.instructions == "Pet Store (version 1.0): Pets for sale."
    assert provider.requires_approval is False


def test_parameters_schema_has_path_query_and_header_parameters(pets):
    show = pets["showPetById"]
    assert show.parameters == {
        "type": "object",
        "properties": {"petId": {"type": "string", "description": "The pet's id"}, "X-Request-Id": {"type": "string"}},
        "required": ["petId"],
        "additionalProperties": False,
    }
    assert show.description == "Info for a pet\n\nGET /pets/{petId}"
    listing = pets["listPets"].parameters["properties"]
    assert listing["limit"] == {"type": "integer", "minimum": 1, "maximum": 100, "description": "How many at most"}
    assert listing["tag"] == {"type": "array", "items": {"type": "string"}}
    assert pets["listPets"].parameters["required"] == []


def test_request_body_refs_are_inlined_and_nullable_becomes_json_schema(pets):
    params = pets["create_pet"].parameters
    assert params["required"] == ["body"]
    body = params["properties"]["body"]
    assert body["required"] == ["name"]
    assert body["properties"]["category"] == {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "parent": {"type": ["string", "null"]}},
    }
    assert "$defs" not in params


def test_returns_schema_drops_read_only_only_from_requests(pets):
    returns = pets["listPets"].returns
    assert returns is not None and returns["type"] == "array"
    pet = returns["items"]["allOf"]
    assert pet[1]["properties"]["id"] == {"type": "string", "readOnly": True}
    assert pets["delete_pets_by_petId"].returns is None  # 204: no content, the error default ignored
    assert pets["getFile"].returns == {"type": "object", "description": "ok"}


def test_recursive_schema_is_kept_once_under_defs(pets):
    params = pets["plantTree"].parameters
    assert params["properties"]["body"] == {"$ref": "#/$defs/Node"}
    assert params["$defs"]["Node"]["properties"]["children"] == {"type": "array", "items": {"$ref": "#/$defs/Node"}}
    assert pets["plantTree"].returns == {"$ref": "#/$defs/Node", "$defs": params["$defs"], "description": "ok"}
    tree = {"label": "a", "children": [{"label": "b", "children": [{"label": "c"}]}]}
    assert call(pets["plantTree"], body=tree) == tree
    with pytest.raises(ToolError, match=r"pets.plantTree: argument body.children\[0\].children\[0\]: 'label' is a required property"):
        call(pets["plantTree"], body={"label": "a", "children": [{"label": "b", "children": [{}]}]})


def test_mutually_recursive_schemas_terminate(request_fn):
    doc = copy.deepcopy(PETSTORE)
    doc["components"]["schemas"]["A"] = {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}}
    doc["components"]["schemas"]["B"] = {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}}}
    doc["paths"]["/trees"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/B"}
    tool = tools_of(OpenAPIConnector(doc, request_fn).provider())["plantTree"]
    assert tool.parameters["properties"]["body"] == {"$ref": "#/$defs/B"}
    assert tool.parameters["$defs"]["B"] == {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}}},
    }


def test_call_sends_method_path_query_headers_and_body(pets, store):
    assert call(pets["listPets"], limit=1, tag=["dog", "cat"], **{"X-Request-Id": "r-1"}) == [{"id": "1", "name": "Rex", "tag": "dog"}]
    seen = store.requests[-1]
    assert (seen["method"], seen["raw_path"], seen["query"]) == ("GET", "/pets", {"limit": ["1"], "tag": ["dog", "cat"]})
    assert seen["headers"]["x-request-id"] == "r-1"

    created = call(pets["create_pet"], body={"name": "Kit", "category": {"name": "cats", "parent": None}})
    assert created == {"id": "3", "name": "Kit", "category": {"name": "cats", "parent": None}}
    seen = store.requests[-1]
    assert (seen["method"], seen["raw_path"], seen["headers"]["content-type"]) == ("POST", "/pets", "application/json")
    assert seen["body"] == {"name": "Kit", "category": {"name": "cats", "parent": None}}

    assert call(pets["showPetById"], petId="3")["name"] == "Kit"
    assert call(pets["delete_pets_by_petId"], petId="3") is None
    assert [r["method"] + " " + r["raw_path"] for r in store.requests[-2:]] == ["GET /pets/3", "DELETE /pets/3"]


def test_path_traversal_values_are_encoded_or_refused(pets, store):
    assert call(pets["getFile"], name="../admin") == {"name": "../admin"}
    assert call(pets["getFile"], name="a/b?c=1#d") == {"name": "a/b?c=1#d"}
    assert [r["raw_path"] for r in store.requests] == ["/files/..%2Fadmin", "/files/a%2Fb%3Fc%3D1%23d"]
    for value in ("..", ".", ""):
        with pytest.raises(ToolError, match="would change the request's path"):
            call(pets["getFile"], name=value)
    assert len(store.requests) == 2


@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1).filter(lambda s: s not in (".", "..")))
def test_any_path_value_reaches_its_own_route(pets, value):
    assert call(pets["getFile"], name=value) == {"name": value}


def test_bad_arguments_are_refused_with_messages_for_the_model(pets, store):
    cases = [
        ({"petId": 1}, "pets.showPetById: argument petId: 1 is not of type 'string'"),
        ({}, "pets.showPetById: missing required argument(s) petId"),
        ({"petId": "1", "verbose": True}, "pets.showPetById: unknown argument(s) verbose; it takes petId, X-Request-Id"),
    ]
    for args, message in cases:
        with pytest.raises(ToolError) as info:
            call(pets["showPetById"], **args)
        assert str(info.value) == message
    with pytest.raises(ToolError, match=r"pets.listPets: argument limit: 0 is less than the minimum of 1"):
        call(pets["listPets"], limit=0)
    with pytest.raises(ToolError, match=r"pets.create_pet: argument body.category: 'name' is a required property"):
        call(pets["create_pet"], body={"name": "x", "category": {}})
    with pytest.raises(ToolError, match=r"pets.create_pet: argument body: Additional properties are not allowed \('id' was unexpected\)"):
        call(pets["create_pet"], body={"name": "x", "id": "7"})
    with pytest.raises(ToolError, match="takes one object of named arguments"):
        pets["showPetById"].validate("1")  # type: ignore[misc, arg-type]
    with pytest.raises(ToolError, match="header 'X-Request-Id' cannot hold control characters"):
        call(pets["showPetById"], petId="1", **{"X-Request-Id": "a\r\nAuthorization: Bearer stolen"})
    assert store.requests == []


def test_without_jsonschema_required_unknown_and_types_are_checked(request_fn, store, monkeypatch):
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # what an environment without it gets
    tools = tools_of(OpenAPIConnector(PETSTORE, request_fn, "pets").provider())
    with pytest.raises(ToolError, match=r"pets\.showPetById: argument petId: expected string, got 1"):
        call(tools["showPetById"], petId=1)
    with pytest.raises(ToolError, match="missing required argument"):
        call(tools["create_pet"])
    assert call(tools["showPetById"], petId="2")["name"] == "Tom"


def test_http_errors_surface_as_tool_errors(pets, store, request_fn):
    with pytest.raises(HTTPError) as info:
        call(pets["showPetById"], petId="99")
    assert isinstance(info.value, ToolError)
    assert str(info.value) == 'HTTP 404 Not Found: {"message": "no pet 99"}'
    assert info.value.status == 404 and info.value.body == {"message": "no pet 99"}

    def broken(method, path, *, query, headers, body):
        return 1 / 0 if path == "/pets/boom" else request_fn(method, path, query=query, headers=headers, body=body)

    tools = tools_of(OpenAPIConnector(PETSTORE, broken, "pets").provider())
    assert call(tools["showPetById"], petId="1")["name"] == "Rex"
    with pytest.raises(ToolError, match=r"^GET /pets/boom failed: ZeroDivisionError: division by zero$") as info:
        call(tools["showPetById"], petId="boom")
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_async_request_function(request_fn, store):
    async def arequest(method, path, *, query, headers, body):
        if path == "/pets/boom":
            raise ConnectionError("reset")
        return await asyncio.to_thread(request_fn, method, path, query=query, headers=headers, body=body)

    tools = tools_of(OpenAPIConnector(PETSTORE, arequest, "pets").provider())
    assert call(tools["showPetById"], petId="1")["name"] == "Rex"
    with pytest.raises(HTTPError, match="HTTP 404"):
        call(tools["showPetById"], petId="404")
    with pytest.raises(ToolError, match="GET /pets/boom failed: ConnectionError: reset"):
        call(tools["showPetById"], petId="boom")


def test_raw_request_tool(pets, store):
    raw = pets["request"]
    assert raw.parameters["required"] == ["method", "path"]
    assert call(raw, method="get", path="/pets", query={"tag": "cat", "limit": 5}) == [{"id": "2", "name": "Tom", "tag": "cat"}]
    assert store.requests[-1]["query"] == {"tag": ["cat"], "limit": ["5"]}
    assert call(raw, method="POST", path="/pets", body={"name": "Bo"}, headers={"X-Request-Id": "r-9"})["id"] == "3"
    seen = store.requests[-1]
    assert seen["headers"]["x-request-id"] == "r-9" and seen["headers"]["content-type"] == "application/json"
    assert call(raw, method="GET", path="/admin") == {"admin": True}  # any path the function allows
    assert call(raw, method="GET", path="/pets/1", headers={"Authorization": "Bearer stolen"})["name"] == "Rex"
    assert store.requests[-1]["headers"]["authorization"] == "Bearer secret"  # the user's own headers win
    for path in ("/pets/../admin", "/pets/%2E%2e/admin", "//evil.example/x", "pets", "/pets?limit=1", "/a\nb"):
        with pytest.raises(ToolError, match=r"^pets\.request: "):
            call(raw, method="GET", path=path)
    with pytest.raises(ToolError, match="argument method: 'TRACE' is not one of"):
        call(raw, method="TRACE", path="/pets")


def test_raw_request_can_be_turned_off_and_include_filters(request_fn):
    names = [t.name for t in OpenAPIConnector(PETSTORE, request_fn, raw_request=False).provider().tools]  # type: ignore[union-attr]
    assert "request" not in names and len(names) == 6
    only = OpenAPIConnector(PETSTORE, request_fn, include={"listPets", "delete_pets_by_petId"}, raw_request=False)
    assert [t.name for t in only.provider().tools] == ["listPets", "delete_pets_by_petId"]  # type: ignore[union-attr]
    reads = OpenAPIConnector(PETSTORE, request_fn, include=lambda method, path, op: method == "GET", raw_request=False)
    assert sorted(reads.operations) == ["getFile", "listPets", "showPetById"]
    assert reads.operations["showPetById"].path == "/pets/{petId}"
    with pytest.raises(ValueError, match="include names operations the document lacks: nope"):
        OpenAPIConnector(PETSTORE, request_fn, include={"listPets", "nope"})


def test_requires_approval_writes(request_fn):
    provider = OpenAPIConnector(PETSTORE, request_fn, requires_approval="writes").provider()
    policy = provider.requires_approval
    assert callable(policy)
    assert not policy("listPets", {}) and policy("create_pet", {"body": {}}) and policy("delete_pets_by_petId", {"petId": "1"})
    assert not policy("request", {"method": "GET", "path": "/"}) and policy("request", {"method": "delete", "path": "/"})
    assert policy("api.create_pet", {"body": {}}) and not policy("api.listPets", {})
    with pytest.raises(ValueError, match='use "writes"'):
        OpenAPIConnector(PETSTORE, request_fn, requires_approval="create_pet")
    assert OpenAPIConnector(PETSTORE, request_fn, requires_approval=["create_pet"]).provider().requires_approval == ["create_pet"]


def test_json_and_yaml_text(request_fn, store):
    tools = tools_of(OpenAPIConnector(json.dumps(PETSTORE), request_fn).provider())
    assert "create_pet" in tools
    pytest.importorskip("yaml")
    tools = tools_of(OpenAPIConnector(PETSTORE_YAML, request_fn).provider())
    show = tools["showPetById"]
    assert show.returns == {"type": "object", "properties": {"id": {"type": "string"}}, "examples": [{"id": "1"}], "description": "The pet"}
    assert call(show, petId="1")["name"] == "Rex"


def test_yaml_without_pyyaml_names_it(request_fn, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ImportError, match="needs PyYAML: pip install pyyaml"):
        OpenAPIConnector(PETSTORE_YAML, request_fn)
    assert OpenAPIConnector(json.dumps(PETSTORE), request_fn).operations  # JSON text needs nothing


def test_documents_that_are_not_openapi_3_are_refused(request_fn):
    with pytest.raises(ValueError, match=r"Swagger 2.0 documents need converting"):
        OpenAPIConnector({"swagger": "2.0", "paths": {}}, request_fn)
    with pytest.raises(TypeError, match="not a file name"):
        OpenAPIConnector(json.dumps("petstore.yaml"), request_fn)
    with pytest.raises(ValueError, match="not a JavaScript identifier"):
        OpenAPIConnector(PETSTORE, request_fn, "my-api")
    broken = copy.deepcopy(PETSTORE)
    broken["paths"]["/trees"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Nope"}
    with pytest.raises(ValueError, match="points at nothing"):
        OpenAPIConnector(broken, request_fn)


def test_parameter_styles_and_name_collisions(store, request_fn):
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "styles", "version": "1"},
        "paths": {
            "/pets/{id}": {
                "post": {
                    "operationId": "styles",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "array", "items": {"type": "integer"}}},
                        {"name": "id", "in": "query", "schema": {"type": "string"}},
                        {"name": "body", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "pipe", "in": "query", "style": "pipeDelimited", "schema": {"type": "array"}},
                        {"name": "filter", "in": "query", "style": "deepObject", "schema": {"type": "object"}},
                        {"name": "json", "in": "query", "content": {"application/json": {"schema": {"type": "object"}}}},
                        {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                    ],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    tool = tools_of(OpenAPIConnector(doc, request_fn, raw_request=False).provider())["styles"]
    assert list(tool.parameters["properties"]) == ["body", "id", "query_id", "query_body", "pipe", "filter", "json", "session"]
    args = {
        "id": [1, 2],
        "query_id": "q",
        "query_body": True,
        "pipe": ["a", "b"],
        "filter": {"x": 1},
        "json": {"k": [1]},
        "session": "s 1",
        "body": {},
    }
    with pytest.raises(HTTPError, match="404"):
        call(tool, **args)
    seen = store.requests[-1]
    assert seen["raw_path"] == "/pets/1,2"
    assert seen["query"] == {"id": ["q"], "body": ["true"], "pipe": ["a|b"], "filter[x]": ["1"], "json": ['{"k": [1]}']}
    assert seen["headers"]["cookie"] == "session=s%201"
    assert seen["body"] == {}


def test_a_plan_drives_the_api_through_the_sandbox(request_fn, store):
    # The whole path: the plan's call in the sandbox → the dispatcher → validation → the user's
    # request function → the local server, and the answer back into the plan.
    api = ToolAPI([OpenAPIConnector(PETSTORE, request_fn, "pets").provider()])
    ts = api.typescript()
    assert "declare const pets: {" in ts and "showPetById(args: {" in ts
    plan = """
    const all = await pets.listPets({ limit: 5 })
    const rex = await pets.showPetById({ petId: '1' })
    let missing = null
    try { await pets.showPetById({ petId: '404' }) } catch (e) { missing = e.message }
    return { names: all.map((p: any) => p.name), rex: rex.name, missing }
    """
    result = api.run(plan)
    assert result.error is None, result.error
    assert result.value["names"] == ["Rex", "Tom"] and result.value["rex"] == "Rex"
    assert result.value["missing"].startswith("HTTP 404")
    assert [c.name for c in result.calls] == ["listPets", "showPetById", "showPetById"]
