"""Read an HTML page back with html.parser: start tags and attributes, the text of elements with an id."""

from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """Every start tag with its attributes, and the text inside each element carrying an id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.open_ids: list[tuple[str, str]] = []
        self.text: dict[str, str] = {}
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if "id" in values and tag not in ("meta", "rect"):
            self.open_ids.append((tag, values["id"]))
            self.text.setdefault(values["id"], "")

    def handle_endtag(self, tag):
        for index in range(len(self.open_ids) - 1, -1, -1):
            if self.open_ids[index][0] == tag:
                del self.open_ids[index]
                return

    def handle_data(self, data):
        for _, ident in self.open_ids:
            self.text[ident] += data

    def find(self, tag: str, **attrs: str | None) -> list[dict[str, str]]:
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            values
            for name, values in self.tags
            if name == tag and all(k in values and (v is None or values[k] == v) for k, v in wanted.items())
        ]
