import { describe, expect, it } from 'vitest'
import {
  type Block,
  type Inline,
  type ListItem,
  mentionsShownIn,
  parseLine,
  parseMessage,
  plainLine,
} from './message-format.ts'

// Builders, so each case reads like the tree it expects.
const t = (text: string): Inline => ({ kind: 'text', text })
const b = (...children: Inline[]): Inline => ({ kind: 'strong', children })
const i = (...children: Inline[]): Inline => ({ kind: 'emphasis', children })
const s = (...children: Inline[]): Inline => ({ kind: 'strike', children })
const code = (text: string): Inline => ({ kind: 'code', text })
const link = (href: string, text = href): Inline => ({ kind: 'link', text, href })
const p = (...children: Inline[]): Block => ({ kind: 'paragraph', children })
const pre = (text: string, language?: string): Block =>
  language ? { kind: 'code-block', text, language } : { kind: 'code-block', text }
const quote = (...blocks: Block[]): Block => ({ kind: 'quote', blocks })
const ul = (...items: Inline[][]): Block => ({
  kind: 'list',
  ordered: false,
  items: items.map((children) => ({ children })),
})
const ol = (...items: [number, ...Inline[]][]): Block => ({
  kind: 'list',
  ordered: true,
  items: items.map(([number, ...children]): ListItem => ({ number, children })),
})

/** Every character a reader sees, in order (code blocks and list items run together). */
function visibleText(blocks: Block[]): string {
  const inline = (nodes: Inline[]): string =>
    nodes.map((node) => ('children' in node ? inline(node.children) : node.text)).join('')
  return blocks
    .map((block) => {
      if (block.kind === 'paragraph') return inline(block.children)
      if (block.kind === 'code-block') return block.text
      if (block.kind === 'quote') return visibleText(block.blocks)
      return block.items.map((item) => inline(item.children)).join('')
    })
    .join('')
}

function depth(nodes: Inline[]): number {
  return Math.max(0, ...nodes.map((node) => ('children' in node ? 1 + depth(node.children) : 0)))
}

describe('parseLine: inline styles', () => {
  it.each<[string, Inline[]]>([
    ['plain words', [t('plain words')]],
    ['*bold*', [b(t('bold'))]],
    ['**bold**', [b(t('bold'))]],
    ['_italic_', [i(t('italic'))]],
    ['~strike~', [s(t('strike'))]],
    ['~~strike~~', [s(t('strike'))]],
    ['`code`', [code('code')]],
    ['a *b* c', [t('a '), b(t('b')), t(' c')]],
    ['*two words*', [b(t('two words'))]],
    ['(*bold*), _it_.', [t('('), b(t('bold')), t('), '), i(t('it')), t('.')]],
    ['"*quoted*"', [t('"'), b(t('quoted')), t('"')]],
    ['*bold* and *more*', [b(t('bold')), t(' and '), b(t('more'))]],
    ['*é*', [b(t('é'))]],
    ['*日本語*', [b(t('日本語'))]],
    ['*👍*', [b(t('👍'))]],
  ])('%j', (line, expected) => {
    expect(parseLine(line)).toEqual(expected)
  })

  it.each<[string, Inline[]]>([
    ['*bold _and italic_*', [b(t('bold '), i(t('and italic')))]],
    ['_*both*_', [i(b(t('both')))]],
    ['*_~all three~_*', [b(i(s(t('all three'))))]],
    ['~*struck bold*~ after', [s(b(t('struck bold'))), t(' after')]],
    ['*bold `code` bold*', [b(t('bold '), code('code'), t(' bold'))]],
    ['**bold _it_**', [b(t('bold '), i(t('it')))]],
  ])('nests %j', (line, expected) => {
    expect(parseLine(line)).toEqual(expected)
  })
})

describe('parseLine: what stays as typed', () => {
  it.each([
    // Markers must hug the text.
    '* not bold *',
    'a * not bold * b',
    '_ not italic _',
    '~ not struck ~',
    '*not bold *',
    '* not bold*',
    // Inside words.
    '2*3*4',
    'snake_case_word',
    'a_b_c and x*y*z',
    'un*frigging*believable',
    // Unclosed, or closed by another kind of run.
    '*unclosed',
    'unclosed*',
    '_unclosed',
    '~unclosed',
    '`unclosed',
    '**bold*',
    '*bold**',
    '~~strike~',
    // Runs that are not delimiters.
    '***',
    '__dunder__',
    '***three***',
    '``',
    '` `',
    // Crossing styles: the later one is text.
    'a ~5 and ~6 b',
    '~/path ~/other',
  ])('%j', (line) => {
    const parsed = parseLine(line)
    expect(parsed).toEqual([t(line)])
  })

  it('keeps a style that closes and leaves what crosses it as text', () => {
    expect(parseLine('*a _b* c_')).toEqual([b(t('a _b')), t(' c_')])
    expect(parseLine('_a *b_ c*')).toEqual([i(t('a *b')), t(' c*')])
  })

  it('does not nest a style in itself', () => {
    expect(parseLine('*a *b* c*')).toEqual([b(t('a *b')), t(' c*')])
    expect(parseLine('**a *b* c**')).toEqual([b(t('a *b* c'))])
  })

  it('reads inline styles within one line only', () => {
    expect(parseMessage('*not\nbold*')).toEqual([p(t('*not\nbold*'))])
    expect(parseMessage('`not\ncode`')).toEqual([p(t('`not\ncode`'))])
    expect(parseMessage('*one*\n_two_')).toEqual([p(b(t('one')), t('\n'), i(t('two')))])
  })
})

describe('parseLine: code spans', () => {
  it.each<[string, Inline[]]>([
    ['`*not bold*`', [code('*not bold*')]],
    ['`_x_ ~y~ <b>`', [code('_x_ ~y~ <b>')]],
    ['`https://example.com/`', [code('https://example.com/')]],
    ['run `npm test` now', [t('run '), code('npm test'), t(' now')]],
    ['`a` and `b`', [code('a'), t(' and '), code('b')]],
    ['``has ` inside``', [code('has ` inside')]],
    ['`` ` `` x', [code(' ` '), t(' x')]],
    ['`  spaces  kept  `', [code('  spaces  kept  ')]],
    ['*`code` in bold*', [b(code('code'), t(' in bold'))]],
    ['```inline triple``` mid', [code('inline triple'), t(' mid')]],
    ['x ``` y', [t('x ``` y')]],
    ['```a```b', [code('a'), t('b')]],
  ])('%j', (line, expected) => {
    expect(parseLine(line)).toEqual(expected)
  })
})

describe('parseLine: links', () => {
  it.each<[string, Inline[]]>([
    ['see https://example.com/a?b=1', [t('see '), link('https://example.com/a?b=1')]],
    ['http://x.test.', [link('http://x.test/', 'http://x.test'), t('.')]],
    ['https://x.test/a_b_c', [link('https://x.test/a_b_c')]],
    ['https://x.test/*x*', [link('https://x.test/*x'), t('*')]],
    ['*https://x.test/*', [b(link('https://x.test/'))]],
    ['_see https://x.test/a_b_', [i(t('see '), link('https://x.test/a_b'))]],
    ['~https://x.test/~', [s(link('https://x.test/'))]],
    // The rule of linkify.ts: the text shows the host the link really opens.
    ['http://bank.test@evil.test/', [link('http://evil.test/')]],
    ['*http://127.0.0.1@evil.test/*', [b(link('http://evil.test/'))]],
  ])('%j', (line, expected) => {
    expect(parseLine(line)).toEqual(expected)
  })

  it.each([
    'javascript:alert(1)',
    '*javascript:alert(1)*x',
    'data:text/html,<script>alert(1)</script>',
    'ftp://files.test/x',
    'xhttp://glued.test/',
    'http://a',
  ])('links nothing in %j', (line) => {
    const links = (nodes: Inline[]): Inline[] =>
      nodes.flatMap((node) => ('children' in node ? links(node.children) : [node]))
    expect(links(parseLine(line)).filter((node) => node.kind === 'link')).toEqual([])
  })

  it('does not link what a code span holds, nor format a link', () => {
    expect(parseLine('`http://x.test/` http://y.test/_a_')).toEqual([
      code('http://x.test/'),
      t(' '),
      link('http://y.test/_a'),
      t('_'),
    ])
  })
})

describe('parseMessage: blocks', () => {
  it.each<[string, Block[]]>([
    ['one line', [p(t('one line'))]],
    ['two\nlines', [p(t('two\nlines'))]],
    ['kept\n\n  blank lines and  spaces', [p(t('kept\n\n  blank lines and  spaces'))]],
    // Fenced code, with and without a language word; whitespace as typed.
    ['```\ncode\n```', [pre('code')]],
    ['```ts\nconst x = 1\n```', [pre('const x = 1', 'ts')]],
    ['```c++\nx\n```', [pre('x', 'c++')]],
    ['```\n  indented\n\ttab\n\n  end  \n```', [pre('  indented\n\ttab\n\n  end  ')]],
    ['```one line```', [pre('one line')]],
    ['```first\nsecond```', [pre('first\nsecond')]],
    ['```ts\nlast```', [pre('ts\nlast')]],
    ['```ts  \ncode\n```  ', [pre('code', 'ts')]],
    ['```let a = 1\nlet b = 2\n```', [pre('let a = 1\nlet b = 2')]],
    ['```\nlast```', [pre('last')]],
    [
      '```\n*not bold* `x` https://x.test/ > no\n- no\n```',
      [pre('*not bold* `x` https://x.test/ > no\n- no')],
    ],
    ['```\n<b>hi</b>\n```', [pre('<b>hi</b>')]],
    ['before\n```\ncode\n```\nafter', [p(t('before')), pre('code'), p(t('after'))]],
    ['before\n\n```\ncode\n```\n\nafter', [p(t('before')), pre('code'), p(t('after'))]],
    ['```\na\n```\n```\nb\n```', [pre('a'), pre('b')]],
    // Quotes.
    ['> quoted', [quote(p(t('quoted')))]],
    ['>quoted', [quote(p(t('quoted')))]],
    ['> one\n> two', [quote(p(t('one\ntwo')))]],
    ['> *bold* quote', [quote(p(b(t('bold')), t(' quote')))]],
    ['> a\nnot quoted', [quote(p(t('a'))), p(t('not quoted'))]],
    ['said:\n> this', [p(t('said:')), quote(p(t('this')))]],
    ['> - item\n> - item 2', [quote(ul([t('item')], [t('item 2')]))]],
    ['> ```\n> code\n> ```', [quote(pre('code'))]],
    ['>> nested', [quote(p(t('> nested')))]],
    ['a > b', [p(t('a > b'))]],
    // Lists.
    ['- one\n- two', [ul([t('one')], [t('two')])]],
    ['* one\n* two', [ul([t('one')], [t('two')])]],
    ['• one\n• two', [ul([t('one')], [t('two')])]],
    ['- *bold* item', [ul([b(t('bold')), t(' item')])]],
    ['1. one\n2. two', [ol([1, t('one')], [2, t('two')])]],
    ['3. three\n7. seven', [ol([3, t('three')], [7, t('seven')])]],
    ['1. one\n- dot', [ol([1, t('one')]), ul([t('dot')])]],
    ['list:\n- a\n- b\nafter', [p(t('list:')), ul([t('a')], [t('b')]), p(t('after'))]],
    ['- `code` item', [ul([code('code'), t(' item')])]],
    ['* not bold *', [ul([t('not bold *')])]],
  ])('%j', (text, expected) => {
    expect(parseMessage(text)).toEqual(expected)
  })

  it.each([
    // Not blocks: shown as typed.
    '```\nnever closed',
    '```ts',
    '```',
    '``````',
    '```\n```',
    '```\n   \n```',
    '>',
    '> ',
    '-not a list',
    '- ',
    '1.not a list',
    '1) not a list',
    '--- rule',
    'a - b',
    'x 1. y',
    '<ul><li>html</li></ul>',
  ])('%j stays as typed', (text) => {
    expect(parseMessage(text)).toEqual([p(t(text))])
  })
})

describe('parseMessage: hostile input', () => {
  it.each([
    '<script>alert(1)</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<b>hi</b>',
    '&lt;b&gt; &amp;',
    'javascript:alert(1)',
  ])('%j is text, every character kept', (text) => {
    expect(parseMessage(text)).toEqual([p(t(text))])
  })

  it('keeps 4,000 markers as text', () => {
    for (const marker of ['*', '_', '~', '`', '>', '-']) {
      const text = marker.repeat(4000)
      const parsed = parseMessage(text)
      expect(visibleText(parsed)).toBe(marker === '>' ? marker.repeat(3999) : text)
    }
  })

  it('parses pathological inputs of 4,000 characters to a bounded tree', () => {
    // Each of these is slow for a backtracking or rescanning parser (every opener searching for
    // its closer, every fence searching for its end); here each character is read a few times.
    const cases = [
      '*a'.repeat(2000),
      '*_~'.repeat(1333),
      '_*~ '.repeat(1000),
      '*a _'.repeat(1000),
      '`a'.repeat(2000),
      '``a`'.repeat(1000),
      '```a\n'.repeat(800),
      '```\n'.repeat(1000),
      '> *\n'.repeat(1000),
      '- _\n'.repeat(1000),
      `http://${'.'.repeat(3993)}`,
      'http://x'.repeat(500),
      `*${'http://x.test/'.repeat(285)}`,
    ]
    for (const text of cases) {
      const blocks = parseMessage(text)
      for (const block of blocks) {
        if (block.kind === 'paragraph') expect(depth(block.children)).toBeLessThanOrEqual(3)
      }
      // Nothing is lost: every character typed is still there, save markers that were used.
      expect(visibleText(blocks).length).toBeGreaterThan(0)
    }
  })

  it('nests deeply typed markers at most three styles deep', () => {
    const open = '*a _a ~a '.repeat(220)
    const close = 'a~ a_ a* '.repeat(220)
    const [block] = parseMessage(`${open}x ${close}`.trim())
    expect(block?.kind).toBe('paragraph')
    if (block?.kind !== 'paragraph') return
    expect(depth(block.children)).toBe(3)
    // The first three open, the first closer of each closes them, the rest is text.
    const [strong] = block.children
    expect(strong?.kind).toBe('strong')
    expect(visibleText([block])).toBe(
      `${open}x ${close}`
        .trim()
        .replace('*', '')
        .replace('_', '')
        .replace('~', '')
        .replace('a~', 'a')
        .replace('a_', 'a')
        .replace('a*', 'a'),
    )
  })
})

describe('mentions', () => {
  const ana = { userId: 'u-ana', name: 'Ana' }
  const anaLopez = { userId: 'u-ana-lopez', name: 'Ana Lopez' }
  const m = (person: { userId: string; name: string }): Inline => ({
    kind: 'mention',
    text: `@${person.name}`,
    userId: person.userId,
  })

  it.each<[string, Inline[]]>([
    ['@Ana can you look?', [m(ana), t(' can you look?')]],
    ['thanks @Ana!', [t('thanks '), m(ana), t('!')]],
    ["@Ana's turn", [m(ana), t("'s turn")]],
    ['*@Ana* first', [b(m(ana)), t(' first')]],
    ['@Anastasia is someone else', [t('@Anastasia is someone else')]],
    ['mail ops@Ana please', [t('mail ops@Ana please')]],
    ['`@Ana` in code', [code('@Ana'), t(' in code')]],
    ['@Ana.', [m(ana), t('.')]],
    ['@Ana-', [m(ana), t('-')]],
    ['_@Ana_ please', [i(m(ana)), t(' please')]],
    ['(@Ana)', [t('('), m(ana), t(')')]],
    ['@Ana-Maria is someone else', [t('@Ana-Maria is someone else')]],
    ['@Ana.Smith is someone else', [t('@Ana.Smith is someone else')]],
    ['@ana_dev is someone else', [t('@ana_dev is someone else')]],
    ['@Ana\u0301 is Aná', [t('@Ana\u0301 is Aná')]],
    ['@Ana2 is someone else', [t('@Ana2 is someone else')]],
    ['bob@Ana.com is an address', [t('bob@Ana.com is an address')]],
    ['née@Ana is glued to a word', [t('née@Ana is glued to a word')]],
    ['see https://x.test/@Ana', [t('see '), link('https://x.test/@Ana')]],
  ])('%j', (line, expected) => {
    expect(parseLine(line, [ana])).toEqual(expected)
  })

  it('does not read a mention inside a code block', () => {
    expect(parseMessage('```\n@Ana\n```\n@Ana', [ana])).toEqual([pre('@Ana'), p(m(ana))])
  })

  it('names two mentioned people of one name in the order the text names them', () => {
    const otherAna = { userId: 'u-ana-2', name: 'Ana' }
    expect(parseMessage('@Ana and @Ana', [ana, otherAna])).toEqual([
      p(m(ana), t(' and '), m(otherAna)),
    ])
    // Across lines, quotes and lists, in reading order; code is no occurrence.
    expect(parseMessage('> `@Ana` @Ana\n- then @Ana', [otherAna, ana])).toEqual([
      quote(p(code('@Ana'), t(' '), m(otherAna))),
      ul([t('then '), m(ana)]),
    ])
    // A further @Ana names the last of them again.
    expect(parseLine('@Ana @Ana @Ana', [ana, otherAna])).toEqual([
      m(ana),
      t(' '),
      m(otherAna),
      t(' '),
      m(otherAna),
    ])
  })

  it('says which mentions the text shows: none inside code, a link or another word', () => {
    const ben = { userId: 'u-ben', name: 'Ben' }
    const an = { userId: 'u-an', name: 'An' }
    const both = [ana, ben]
    expect(mentionsShownIn('@Ana and @Ben', both)).toEqual(new Set(['u-ana', 'u-ben']))
    expect(mentionsShownIn('`@Ana` @Ben', both)).toEqual(new Set(['u-ben']))
    expect(mentionsShownIn('```\n@Ana\n```\nhttps://x.test/@Ben', both)).toEqual(new Set())
    expect(mentionsShownIn('hi @Ana', [an])).toEqual(new Set())
    expect(mentionsShownIn('@Ana', [ana, { ...ana, userId: 'u-ana-2' }])).toEqual(
      new Set(['u-ana']),
    )
  })

  it('only names the message mentions: a typed @name of nobody mentioned stays text', () => {
    expect(parseLine('@Ana hi')).toEqual([t('@Ana hi')])
    expect(parseLine('@Ben hi', [ana])).toEqual([t('@Ben hi')])
  })

  it('takes the longest name where two mentioned names start alike', () => {
    expect(parseMessage('@Ana Lopez and @Ana', [ana, anaLopez])).toEqual([
      p(m(anaLopez), t(' and '), m(ana)),
    ])
  })

  it('finds mentions in quotes and list items too', () => {
    expect(parseMessage('> @Ana said\n- ask @Ana', [ana])).toEqual([
      quote(p(m(ana), t(' said'))),
      ul([t('ask '), m(ana)]),
    ])
  })
})

describe('plainLine', () => {
  it.each([
    ['> *ship* it on `Friday`', 'ship it on Friday'],
    ['- first _item_', 'first item'],
    ['12. ~old~ new', 'old new'],
    ['```ts', ''],
    ['2*3*4 stays', '2*3*4 stays'],
    ['<b>raw</b>', '<b>raw</b>'],
  ])('%j reads as %j', (line, expected) => {
    expect(plainLine(line)).toBe(expected)
  })
})
