"""The class table (Tables 4 and 5) and the paper's results (Tables 1-3) checked against the paper's own text."""
import re
import pytest
from avgas.core import PAPER
from avgas.tables import PAPER_RESULTS


@pytest.fixture
def paper_text(shared):
    files = sorted((shared / 'paper').glob('*.txt'))
    if not files: pytest.skip(f'no paper text in {shared / "paper"}')
    return files[0].read_text(encoding='utf-8').replace('\xa0', ' ')


def _block(text: str, start: str, end: str) -> str:
    a = text.index(start); return text[a:text.index(end, a)]


def test_table4_rows_in_paper_order(paper_text):
    "Each printed row of Table 4 is, column by column, the foreground our table pairs with that background."
    block = _block(paper_text, '15 Realistic Sounds', 'Table 4:')
    realistic = [c for c in PAPER.combinations if c.realistic]
    backgrounds = list(dict.fromkeys(c.background for c in realistic))
    assert 'Background ' + ' '.join(backgrounds) in block
    for row in range(3):
        fgs = [[c.foreground for c in realistic if c.background == b][row] for b in backgrounds]
        assert ' '.join(fgs) in block, f'row {row + 1} of Table 4: {fgs}'
    unreal = [c for c in PAPER.combinations if not c.realistic]
    assert {c.background for c in unreal} == {'underwater bubbling'}
    assert 'Foreground ' + ' '.join(c.foreground for c in unreal) in block


def test_table5_every_prompt(paper_text):
    "Every class and its prompt appear as a printed (class, prompt) pair of Table 5; nothing else is there."
    block = _block(paper_text, 'Prompts Used for the Evaluation', 'Table 5:')
    rest = block
    for cls, prompt in sorted(PAPER.prompts.items(), key=lambda kv: -len(kv[0])):
        pair = f'{cls} {prompt}'
        assert pair in rest, f'Table 5 has no entry {pair!r}'
        rest = rest.replace(pair, ' ', 1)
    leftover = rest.replace('Prompts Used for the Evaluation', '').replace('Class Prompt', '').split()
    assert leftover == [], f'Table 5 entries not in our table: {leftover}'
    assert len(PAPER.prompts) == 26 and len(PAPER.unique_prompts) == 20


def test_results_tables_match_paper(paper_text):
    "Every figure of PAPER_RESULTS is printed on its method's row of the paper's Tables 1-3."
    starts = {'table1_mixed': 'Table 1 shows', 'table2_separated_foreground': 'Comparison on separated images (foreground)',
              'table3_separated_background': 'Comparison on separated images (background)'}
    ends = {'table1_mixed': 'Table 1:', 'table2_separated_foreground': 'Table 2:', 'table3_separated_background': 'Table 3:'}
    for table, rows in PAPER_RESULTS.items():
        block = _block(paper_text, starts[table], ends[table])
        for method, vals in rows.items():
            line = next(l for l in block.splitlines() if l.startswith(method + ' '))
            printed = [float(x) for x in re.findall(r'\d+\.\d+', line)]
            ours = []
            for m in ('FID', 'IS', 'CRS', 'R@2*', 'R@1'):
                if m in vals:
                    scale = 100 if m in ('CRS', 'R@2*', 'R@1') else 1
                    ours += [vals[m][0] / scale, vals[m][1] / scale]
            assert printed == pytest.approx(ours), f'{table} {method}: paper {printed}, ours {ours}'
