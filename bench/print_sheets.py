"""How long a sheet of 200 employee badges takes to draw (issue budget: 3 s on the 2-core machine).

    .venv/bin/python bench/print_sheets.py [--badges 200] [--runs 3]

Draws the sheet in this process, as a route's thread does, with fresh QR codes each run (their
cache emptied), and prints the wall-clock and CPU time of each run and the PDF's size.
"""

import argparse
import time

from qr.layouts import render_sheet
from qr.sheets import Layout, Paper, SheetItem, SheetStyle, dark_boxes, print_matrix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--badges", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    items = [
        SheetItem(
            url=f"HTTPS://TELLUS.EXAMPLE.COM/C/AB{index:06d}",
            name=f"Employee {index}",
            call_to_action=f"How did Employee {index} do?",
            detail="Barista",
        )
        for index in range(args.badges)
    ]
    style = SheetStyle("Harbour Café")
    render_sheet(layout=Layout.badges, paper=Paper.a4, items=items[:1], style=style)  # fonts
    for run in range(1, args.runs + 1):
        print_matrix.cache_clear()
        dark_boxes.cache_clear()
        wall, cpu = time.perf_counter(), time.process_time()
        pdf = render_sheet(layout=Layout.badges, paper=Paper.a4, items=items, style=style)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"run {run}: {args.badges} badges in {wall:.2f} s ({cpu:.2f} s CPU), {len(pdf)} B")


if __name__ == "__main__":
    main()
