from app.images.embed import embed_codes

PAGE = "https://img.example.org/i/abc"
FULL = "https://img.example.org/i/abc/full.png"


def test_image_codes_link_the_picture_to_its_page():
    codes = {key: code for key, _, code in embed_codes(PAGE, "Harbour", FULL)}
    assert codes == {
        "markdown": f"[![Harbour]({FULL})]({PAGE})",
        "bbcode": f"[url={PAGE}][img]{FULL}[/img][/url]",
        "html": f'<a href="{PAGE}"><img src="{FULL}" alt="Harbour"></a>',
    }


def test_text_cannot_break_out_of_its_code():
    codes = {key: code for key, _, code in embed_codes(PAGE, 'a](x) <b>"[/url]', FULL)}
    assert codes["markdown"].startswith(r'[![a\](x) <b>"\[/url\]](')
    assert 'alt="a](x) &lt;b&gt;&quot;[/url]"' in codes["html"]


def test_without_a_picture_the_text_is_the_link():
    codes = {key: code for key, _, code in embed_codes(PAGE, "Trip [2026]")}
    assert codes == {"markdown": rf"[Trip \[2026\]]({PAGE})",
                     "bbcode": f"[url={PAGE}]Trip 2026[/url]",
                     "html": f'<a href="{PAGE}">Trip [2026]</a>'}
