"""A tiny SMTP server for the load and fault runs: it keeps each message it accepted as a file.

Only a message the server answered "250" to counts as delivered, as SMTP says: a client that goes
away during the DATA phase, before that answer, has sent nothing. ``--hold-first SECONDS`` makes
the server wait that long before answering the first message (and writes a ``holding`` file while
it waits), so a fault script can kill the sender in the middle of sending, deterministically.

    python -m tests.load.mail_sink --port 8025 --dir /tmp/mail [--hold-first 30]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path


class Sink:
    def __init__(self, folder: Path, hold_first: float) -> None:
        self.folder = folder
        self.hold_first = hold_first
        self.received = 0  # messages whose DATA arrived, delivered or not

    def log(self, text: str) -> None:
        print(f"mail sink: {text}", flush=True)

    async def hold(self, reader: asyncio.StreamReader) -> bool:
        """Waits before answering the first message; False if the sender went away meanwhile."""
        marker = self.folder / "holding"
        marker.write_text("holding the first message before answering 250\n")
        self.log(f"holding the first message for {self.hold_first:g} s")
        try:
            data = await asyncio.wait_for(reader.read(1), timeout=self.hold_first)
        except TimeoutError:
            return True
        finally:
            marker.unlink(missing_ok=True)
        return data != b""

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        reply("220 sink ESMTP")
        recipients: list[str] = []
        try:
            while line := await reader.readline():
                command = line.decode(errors="replace").strip()
                verb = command[:4].upper()
                if verb == "EHLO":
                    reply("250-sink")
                    reply("250 8BITMIME")
                elif verb == "HELO":
                    reply("250 sink")
                elif verb == "MAIL":
                    recipients = []
                    reply("250 ok")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip())
                    reply("250 ok")
                elif verb == "DATA":
                    reply("354 end with <CRLF>.<CRLF>")
                    await writer.drain()
                    body = []
                    while (part := await reader.readline()) not in (b".\r\n", b".\n", b""):
                        body.append(part)
                    self.received += 1
                    if self.received == 1 and self.hold_first and not await self.hold(reader):
                        self.log("the sender went away before 250: message not delivered")
                        return
                    count = len(list(self.folder.glob("*.eml"))) + 1
                    (self.folder / f"{count:06d}.eml").write_bytes(b"".join(body))
                    reply("250 delivered")
                    self.log(f"delivered message {count} to {len(recipients)} recipient(s)")
                elif verb in ("RSET", "NOOP"):
                    reply("250 ok")
                elif verb == "QUIT":
                    reply("221 bye")
                    await writer.drain()
                    return
                else:
                    reply("502 not implemented")
                await writer.drain()
        except ConnectionError:
            self.log("the sender's connection broke")
        finally:
            writer.close()


async def serve(host: str, port: int, sink: Sink) -> None:
    server = await asyncio.start_server(sink.session, host, port)
    sink.log(f"listening on {host}:{port}, writing to {sink.folder}")
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, required=True, help="where delivered messages go")
    parser.add_argument("--hold-first", type=float, default=0, metavar="SECONDS")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(serve(args.host, args.port, Sink(args.dir, args.hold_first)))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
