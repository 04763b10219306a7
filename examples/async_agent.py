"""asyncio: many sandboxes at once from one event loop, with an async Python tool."""

import asyncio

import workerbox as wb


class Search(wb.RpcTarget):
    async def query(self, q: str) -> list[str]:
        await asyncio.sleep(0.01)
        return [f"{q} #{i}" for i in range(2)]


PLAN = "export default { async run(q, env) { const hits = await env.search.query(q); return hits.map(h => h.toUpperCase()) } }"


async def main() -> None:
    async with wb.AsyncLoader() as loader:

        async def one(q: str) -> list[str]:
            worker = await loader.load(main_module="plan.js", modules={"plan.js": PLAN}, env={"search": Search()})
            try:
                result: list[str] = await worker.get_entrypoint().run(q)
                return result
            finally:
                worker.close()

        for line in await asyncio.gather(*(one(q) for q in ["cats", "dogs", "owls"])):
            print(line)


asyncio.run(main())
