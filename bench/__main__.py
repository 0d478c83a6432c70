"""``python -m bench SUBCOMMAND ...``: one subparser per benchmark module."""

from __future__ import annotations

import argparse
import sys

from bench import candidates, gap, market, market_curve, season


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    # Each benchmark module provides add_arguments(parser) and run(args) -> exit code.
    for name, module in (
        ("gap", gap),
        ("season", season),
        ("candidates", candidates),
        ("market-curve", market_curve),
    ):
        sub = commands.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    market.add_market_parser(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
