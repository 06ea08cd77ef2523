"""The playground in a real headless Chromium, driven by Playwright: the page learns XOR.

Needs Chromium (Debian: ``apt-get install -y chromium``; or set GLASSNET_CHROMIUM to its path)
and Playwright for Python (``pip install playwright``; no browser download: the system Chromium
is used). Set GLASSNET_PLAYGROUND_SCREENSHOT=docs/images/playground.png to also write the
README's screenshot, taken mid-training.
"""

import os
import shutil
import socket
import threading
import time

import pytest

pytest.importorskip("uvicorn", reason='the playground needs "glassnet[playground]"')
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the browser tests need Playwright: pip install playwright"
)

from glassnet.playground import create_app  # noqa: E402


def find_chromium() -> str | None:
    candidates = [os.environ.get("GLASSNET_CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser")]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium found (apt-get install -y chromium, or set GLASSNET_CHROMIUM)",
)
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def url():
    import uvicorn

    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server.should_exit = True
    thread.join(20)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def pixels(page, canvas_id: str) -> list[int]:
    """A coarse fingerprint of a canvas: the sum of its RGBA bytes in 16 horizontal bands."""
    return page.evaluate(
        """(id) => {
            const c = document.getElementById(id);
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            const bands = new Array(16).fill(0), per = Math.ceil(d.length / 16);
            for (let i = 0; i < d.length; i++) bands[Math.floor(i / per)] += d[i];
            return bands;
        }""",
        canvas_id,
    )


def number(page, selector: str) -> float:
    text = page.inner_text(selector).replace(",", "")
    return float(text) if text not in ("", "-") else float("nan")


def wait_for(page, selector: str, condition, seconds: float) -> float:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = number(page, selector)
        if condition(value):
            return value
        time.sleep(0.1)
    raise AssertionError(f"{selector} still shows {page.inner_text(selector)!r}")


def test_the_page_learns_xor_and_the_identity_network_cannot(browser, url, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    expect = playwright_api.expect
    page.goto(url)
    expect(page.locator("#state")).to_have_text("ready")

    page.select_option("#dataset", "xor")
    page.select_option("#activation", "tanh")
    page.fill("#hidden", "8, 8")
    page.press("#hidden", "Tab")  # a text field sends its value when it loses focus
    expect(page.locator("#network-size")).to_contain_text("network 2 - 8 - 8 - 1")
    cost_before, boundary_before = pixels(page, "cost"), pixels(page, "boundary")

    page.click("#start")
    expect(page.locator("#state")).to_have_text("running")
    shot = os.environ.get("GLASSNET_PLAYGROUND_SCREENSHOT")
    if shot:  # the README's picture: mid-training, boundary still taking shape
        wait_for(page, "#val-accuracy", lambda a: a >= 0.8, 30)
        page.screenshot(path=shot)
    accuracy = wait_for(page, "#val-accuracy", lambda a: a >= 0.95, 45)
    assert accuracy >= 0.95
    assert pixels(page, "cost") != cost_before  # the cost curve was drawn
    assert pixels(page, "boundary") != boundary_before  # the boundary moved
    assert number(page, "#speed") > 0
    page.screenshot(path=tmp_path / "xor.png")
    assert (tmp_path / "xor.png").stat().st_size > 10_000

    page.select_option("#activation", "identity")  # training goes on with a fresh network
    expect(page.locator("#network-size")).to_contain_text("(identity hidden")
    expect(page.locator("#state")).to_have_text("running")
    wait_for(page, "#epoch", lambda e: e >= 100, 45)
    seen, deadline = [], time.monotonic() + 1.5
    while time.monotonic() < deadline:  # watch the identity network train for a while
        seen.append(number(page, "#val-accuracy"))
        time.sleep(0.05)
    # a straight line cannot split XOR: the best one scores 0.78 on this validation set (a
    # brute-force search over lines), far below the 0.95 of tanh; chance is 0.5
    assert max(seen) <= 0.8, seen
    page.click("#start")  # now labelled Pause
    expect(page.locator("#state")).to_have_text("paused")
    page.screenshot(path=tmp_path / "identity.png")

    assert not problems, problems
    assert all(r.startswith(url) or r.startswith("data:") for r in requests), requests
    page.close()


def test_a_bad_value_is_shown_next_to_its_control(browser, url):
    page = browser.new_page()
    page.goto(url)
    playwright_api.expect(page.locator("#state")).to_have_text("ready")
    page.fill("#lr", "-1")
    page.press("#lr", "Tab")
    error = page.locator('[data-error="lr"]')
    playwright_api.expect(error).to_contain_text("learning rate must be a positive number")
    assert "invalid" in page.get_attribute("#lr", "class")
    page.fill("#lr", "0.05")
    page.press("#lr", "Tab")
    playwright_api.expect(error).to_be_empty()
    page.click("text=Deep network, bad init")  # a preset fills the form and says what to see
    playwright_api.expect(page.locator("#look-for")).to_contain_text("vanishing")
    assert (
        page.input_value("#init") == "normal" and page.input_value("#hidden") == "16, " * 5 + "16"
    )
    page.close()


# ---- the graph, features, shared links, the gradient view ----------------------------------------

SHOTS = os.environ.get("GLASSNET_PLAYGROUND_SCREENSHOTS")  # e.g. docs/images: the README's pictures


def opened_page(browser, url, address=""):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(url + address)
    playwright_api.expect(page.locator("#state")).to_have_text("ready")
    return page, problems


def wait_for_input_maps(page, n: int) -> None:
    """Wait (on a loaded machine the graph is redrawn a little after the size line) until the
    graph draws ``n`` input heat maps; a timeout fails the test."""
    page.wait_for_function(
        """(n) => { let count = 0;
            if (!page.drawn) return false;
            for (const m of page.drawn.neurons) if (m.layer === 0) count += 1;
            return count === n; }""",
        arg=n,
        timeout=15_000,
    )


def neuron_maps(page) -> list[int]:
    """How many heat maps the graph drew in each layer (inputs first)."""
    return page.evaluate(
        """() => { const counts = [];
            for (const n of page.drawn.neurons) counts[n.layer] = (counts[n.layer] || 0) + 1;
            return counts; }"""
    )


def test_the_graph_has_a_heat_map_per_neuron_and_they_change_while_training(browser, url):
    link = "#dataset=spiral&hidden=8,6&lr=0.03&optimizer=adam"
    page, problems = opened_page(browser, url, link + "&features=x1,x2,x1^2,x2^2,sin_x1,sin_x2")
    expect = playwright_api.expect
    expect(page.locator("#network-size")).to_contain_text("network 6 - 8 - 6 - 1")
    expect(page.locator("#graph")).to_have_attribute("data-drawn", "weights")  # this network's
    assert neuron_maps(page) == [6, 8, 6, 1]  # every input feature and every neuron has its map
    before = pixels(page, "graph")
    page.click("#start")
    wait_for(page, "#epoch", lambda e: e >= 40, 60)
    during = pixels(page, "graph")
    time.sleep(1.0)
    assert pixels(page, "graph") != during != before  # the maps and edges move while it learns
    page.hover("#graph", position={"x": 160, "y": 200})  # hovering enlarges a neuron's map
    if SHOTS:
        wait_for(page, "#epoch", lambda e: e >= 150, 60)
        page.hover("#graph", position={"x": 55 + 175, "y": 150})
        page.screenshot(path=os.path.join(SHOTS, "playground-graph.png"))
    page.click("#start")
    expect(page.locator("#state")).to_have_text("paused")
    assert not problems, problems
    page.close()


def test_switching_a_feature_on_changes_the_input_layer(browser, url):
    page, problems = opened_page(browser, url)
    expect = playwright_api.expect
    expect(page.locator("#network-size")).to_contain_text("network 2 - 8 - 8 - 1")
    page.check('input[name="features"][value="x1x2"]')
    expect(page.locator("#network-size")).to_contain_text("network 3 - 8 - 8 - 1")
    wait_for_input_maps(page, 3)
    assert neuron_maps(page)[0] == 3
    page.uncheck('input[name="features"][value="x1"]')
    # each change waits for the server's answer: the page writes the answered settings back
    # into the form, so a second click inside that round trip may show its box unchanged
    # until the answer to it comes (playwright's uncheck checks the box at once)
    expect(page.locator("#network-size")).to_contain_text("network 2 - 8 - 8 - 1")
    page.uncheck('input[name="features"][value="x2"]')
    expect(page.locator("#network-size")).to_contain_text("network 1 - 8 - 8 - 1")
    page.uncheck('input[name="features"][value="x1x2"]')  # none left: refused, named
    expect(page.locator('[data-error="features"]')).to_contain_text("at least one input feature")
    assert not problems, problems
    page.close()


def test_a_shared_link_reopens_the_same_settings(browser, url):
    page, problems = opened_page(browser, url)
    expect = playwright_api.expect
    page.select_option("#dataset", "multi_gaussian")
    expect(page.locator("#network-size")).to_contain_text("identity output")
    page.fill("#hidden", "5, 4")
    page.press("#hidden", "Tab")
    expect(page.locator("#network-size")).to_contain_text("network 2 - 5 - 4 - 1")
    page.fill("#l2", "0.01")
    page.press("#l2", "Tab")
    page.select_option("#optimizer", "rmsprop")
    page.select_option("#view", "gradients")
    expect(page.locator("#network-size")).to_contain_text("network 2 - 5 - 4 - 1")
    page.wait_for_function("() => location.hash.includes('rmsprop')")
    link = page.evaluate("() => location.href")
    assert "dataset=multi_gaussian" in link and "hidden=5,4" in link and "view=gradients" in link
    other, more = opened_page(browser, link, "")
    expect(other.locator("#network-size")).to_contain_text("network 2 - 5 - 4 - 1")
    assert other.input_value("#dataset") == "multi_gaussian"
    assert other.input_value("#optimizer") == "rmsprop" and other.input_value("#l2") == "0.01"
    assert other.input_value("#view") == "gradients"
    assert not problems and not more, problems + more
    page.close(), other.close()


def test_the_gradient_view_changes_colours_after_a_step(browser, url):
    page, problems = opened_page(browser, url, "#hidden=6,6,6&activation=sigmoid&view=gradients")
    expect = playwright_api.expect
    expect(page.locator("#network-size")).to_contain_text("network 2 - 6 - 6 - 6 - 1")
    expect(page.locator("#graph")).to_have_attribute("data-drawn", "gradients")  # this network's
    before = pixels(page, "graph")
    page.click("#trace")  # step through one batch: its stages, then the step is taken
    expect(page.locator("#trace-stage")).to_contain_text("stage 1 of 10: forward, layer 1")
    expect(page.locator("#trace-formula")).to_contain_text("Z[1] = A[0] W[1]^T + b[1]")
    for _ in range(5):
        page.click("#trace-next")
    expect(page.locator("#trace-stage")).to_contain_text("backward, layer 4")
    expect(page.locator("#trace-formula")).to_contain_text("dW[4] = (1/m) dZ[4]^T A[3]")
    expect(page.locator("#iteration")).to_have_text("1")
    after = pixels(page, "graph")
    assert after != before  # new dW and |dZ| after the step
    page.click("#step")  # a whole epoch: the colours change again
    wait_for(page, "#epoch", lambda e: e >= 1, 30)
    time.sleep(0.3)
    assert pixels(page, "graph") != after
    if SHOTS:
        page.click("#trace")
        for _ in range(6):
            page.click("#trace-next")
        page.screenshot(path=os.path.join(SHOTS, "playground-gradients.png"))
    assert not problems, problems
    page.close()


def test_clicking_an_edge_edits_its_weight(browser, url):
    page, problems = opened_page(browser, url, "#hidden=3")
    expect = playwright_api.expect
    expect(page.locator("#network-size")).to_contain_text("network 2 - 3 - 1")  # the link's net
    expect(page.locator("#graph")).to_have_attribute("data-drawn", "weights")  # drawn
    edge = page.evaluate("() => page.drawn.edges.find((e) => e.layer === 2 && e.col === 1)")
    box = page.locator("#graph").bounding_box()
    page.once("dialog", lambda dialog: dialog.accept("2.5"))
    x, y = (edge["x0"] + edge["x1"]) / 2, (edge["y0"] + edge["y1"]) / 2
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_function("() => page.last && page.last.graph.W[1][0][1] === 2.5")
    assert not problems, problems
    page.close()


def small_weights(page) -> float:
    """The fraction of the session's weights (sent with every update) with |w| < 0.01."""
    return page.evaluate(
        """() => { let small = 0, all = 0;
            for (const W of page.last.graph.W) for (const row of W) for (const w of row) {
                all += 1; if (Math.abs(w) < 0.01) small += 1; }
            return small / all; }"""
    )


def train_epochs(page, epochs: int) -> None:
    page.click("#start")
    wait_for(page, "#epoch", lambda e: e >= epochs, 120)
    page.click("#start")  # now "Pause"
    playwright_api.expect(page.locator("#state")).to_have_text("paused")
    time.sleep(0.3)  # the update after the pause


def test_switching_l1_on_reaches_the_session_and_drives_the_weights_to_zero(browser, url):
    page, problems = opened_page(browser, url)
    expect = playwright_api.expect
    page.click("text=Regularization: L1")
    expect(page.locator("#look-for")).to_contain_text("only x1² and x2² stay connected")
    assert page.input_value("#l1") == "0.5"
    page.wait_for_function("() => location.hash.includes('l1=0.5')")
    page.click("#trace")  # the session's own cost and gradient carry the L1 terms
    expect(page.locator("#trace-stage")).to_contain_text("stage 1 of 6: forward, layer 1")
    page.click("#trace-next")
    page.click("#trace-next")
    expect(page.locator("#trace-formula")).to_contain_text("+ (0.5 / m) sum_l sum |W[l]|")
    page.click("#trace-next")
    expect(page.locator("#trace-formula")).to_contain_text("+ (0.5/m) sign(W[2])")
    train_epochs(page, 300)
    assert small_weights(page) > 0.8  # most edges are gone from the graph
    page.fill("#l1", "0")  # L1 off: a fresh network from the same seed, every weight in use
    page.press("#l1", "Tab")
    page.wait_for_function("() => !location.hash.includes('l1=')")
    expect(page.locator("#epoch")).to_have_text("0")
    train_epochs(page, 300)
    assert small_weights(page) < 0.1
    assert not problems, problems
    page.close()
