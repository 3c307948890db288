// The dashboard: a portal built only on the public GraphQL API (`/graphql`), as an integrator's
// would be. Everything it shows comes from the queries below; nothing is computed on the server
// for it. A pasted token stays in this tab (sessionStorage) and is sent as a bearer token.
(function () {
  'use strict';

  var TOKEN_KEY = 'pairing.token';
  var LANG_KEY = 'pairing.lang';
  var FIRST_YEAR = 2016;
  var LAST_YEAR = 2020;

  var TEXT = {
    zh: {
      title: '东西部协作和定点帮扶数据看板', schema: '接口文档 (schema.graphql)', switchLang: 'English',
      subject: '帮扶方或受援地', year: '年度', token: '令牌', tokenHint: '粘贴令牌（仅保存在本标签页）',
      signIn: '登录', signOut: '退出', indicators: '承诺与完成（按指标）', indicator: '指标', unit: '单位',
      target: '承诺', achieved: '完成', rate: '完成率', firstQuarter: '一季度资金拨付',
      byQuarter: '资金按季度（元）', counties: '覆盖县（点击查看县级视图）', code: '代码', county: '地区',
      amount: '资金（元）', transfers: '笔数', countyView: '县级视图', promises: '帮扶承诺',
      helper: '帮扶方', findings: '数据质量问题', findingsNeedToken: '登录后可见。', kind: '类型',
      message: '说明', downloads: '下载', dlTransfers: '资金拨付明细 (CSV)', dlFlows: '资金流向汇总 (CSV)',
      dlIati: 'IATI 2.03 活动 (XML)', helpers: '帮扶省市', centralUnits: '中央单位', recipients: '受援省份',
      loading: '加载中…', loaded: '已更新', anonymous: '匿名访问', signedInAs: '已登录：',
      committed: '承诺资金', allocatedByMarch31: '3月31日前拨付', transfersByMarch31: '3月31日前笔数',
      allocatedInYear: '全年拨付', share: '一季度拨付比例', onlyHelpers: '仅适用于帮扶方。',
      promised: '承诺资金', allocated: '已拨付', received: '已到账', publicized: '已公示', spent: '已使用',
      moneyChart: '资金类指标（元）', countChart: '其他指标', none: '无', findingsCount: '条问题',
      quarter: '季度', error: '出错：'
    },
    en: {
      title: 'East–west cooperation and designated assistance: dashboard', schema: 'API schema (schema.graphql)',
      switchLang: '中文', subject: 'Helper or recipient', year: 'Year', token: 'Token',
      tokenHint: 'Paste a token (kept in this tab only)', signIn: 'Sign in', signOut: 'Sign out',
      indicators: 'Commitments and achievements by indicator', indicator: 'Indicator', unit: 'Unit',
      target: 'Committed', achieved: 'Achieved', rate: 'Completion', firstQuarter: 'First-quarter allocation',
      byQuarter: 'Money by quarter (yuan)', counties: 'Counties reached (click for the county view)',
      code: 'Code', county: 'Region', amount: 'Amount (yuan)', transfers: 'Transfers',
      countyView: 'County view', promises: 'Promises', helper: 'Helper', findings: 'Data-quality findings',
      findingsNeedToken: 'Sign in to see them.', kind: 'Kind', message: 'Message', downloads: 'Downloads',
      dlTransfers: 'Fund transfers (CSV)', dlFlows: 'Fund flows (CSV)', dlIati: 'IATI 2.03 activities (XML)',
      helpers: 'Helper provinces and cities', centralUnits: 'Central units', recipients: 'Recipient provinces',
      loading: 'Loading…', loaded: 'Updated', anonymous: 'Anonymous', signedInAs: 'Signed in: ',
      committed: 'Committed funds', allocatedByMarch31: 'Allocated by 31 March',
      transfersByMarch31: 'Transfers by 31 March', allocatedInYear: 'Allocated in the year',
      share: 'Share by 31 March', onlyHelpers: 'For helpers only.', promised: 'Promised',
      allocated: 'Allocated', received: 'Received', publicized: 'Publicized', spent: 'Spent',
      moneyChart: 'Money indicators (yuan)', countChart: 'Other indicators', none: 'None',
      findingsCount: 'findings', quarter: 'Quarter', error: 'Error: '
    }
  };

  var INDICATORS = {
    FISCAL_AID_FUNDS: ['财政援助资金', 'Fiscal aid funds'],
    SOCIAL_AID_FUNDS: ['社会帮扶资金', 'Social aid funds'],
    CADRES_DISPATCHED: ['选派党政干部', 'Cadres dispatched'],
    TECHNICIANS_DISPATCHED: ['选派专业技术人才', 'Technicians dispatched'],
    LABOR_TRANSFERRED: ['劳务协作就业', 'Labourers placed in jobs'],
    ENTERPRISES_INVESTED: ['引导企业投资', 'Enterprises invested'],
    CONSUMPTION_ASSISTANCE: ['消费帮扶', 'Consumption assistance'],
    DIRECT_INVESTMENT: ['直接投入帮扶资金', 'Direct investment'],
    ATTRACTED_FUNDS: ['引进帮扶资金', 'Attracted funds'],
    GRASSROOTS_CADRES_TRAINED: ['培训基层干部', 'Grassroots cadres trained'],
    TECHNICIANS_TRAINED: ['培训技术人员', 'Technicians trained'],
    PRODUCE_PURCHASED: ['购买农产品', 'Produce purchased'],
    PRODUCE_SALES_HELPED: ['帮助销售农产品', 'Produce sales helped']
  };
  var UNITS = { YUAN: ['元', 'yuan'], PERSONS: ['人', 'persons'], ENTERPRISES: ['家', 'enterprises'] };
  var FINDINGS = {
    MISSING_COMMITMENT: ['缺少承诺指标', 'Missing commitment'],
    RECEIPT_OVERDUE: ['到账确认逾期', 'Receipt overdue'],
    MISSING_PROGRESS_REPORT: ['缺少进展报告', 'Missing progress report'],
    LISTED_COUNTY_WITHOUT_DISPATCH: ['挂牌督战县无选派人员', 'Listed county without dispatch'],
    LISTED_COUNTY_WITHOUT_TRANSFER: ['挂牌督战县无资金', 'Listed county without transfer'],
    FUTURE_DATED_EVENT: ['日期在未来', 'Future-dated event']
  };

  // County view columns. `field` names a `RegionAssistance` field; columns marked `optional` are
  // shown only when the schema has that field (publicity and spending may not exist yet).
  var COUNTY_COLUMNS = [
    { key: 'promised' },
    { key: 'allocated', field: 'allocated' },
    { key: 'received', field: 'received' },
    { key: 'publicized', field: 'publicized', optional: true },
    { key: 'spent', field: 'spent', optional: true }
  ];

  var lang = sessionStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
  var state = { subject: null, year: LAST_YEAR, data: null, county: null, countyData: null };
  var assistanceFields = null; // the fields of RegionAssistance, from introspection
  var charts = {};

  function t(key) { return TEXT[lang][key] || key; }
  function named(table, key) { var n = table[key]; return n ? n[lang === 'zh' ? 0 : 1] : key; }
  function $(id) { return document.getElementById(id); }

  // ---- the API ----------------------------------------------------------------------------

  function gql(query, variables) {
    var headers = { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' };
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch('/graphql', { method: 'POST', headers: headers, body: JSON.stringify({ query: query, variables: variables || {} }) })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.errors && body.errors.length) {
          throw new Error(body.errors.map(function (e) { return e.message; }).join('; '));
        }
        return body.data;
      });
  }

  // Every node of a connection, page by page (at most 100 a page).
  function all(field, filter, selection) {
    var query = 'query($after: String, $filter: ' + (field === 'regions' ? 'RegionFilter' : 'OrganizationFilter') +
      ') { list: ' + field + '(first: 100, after: $after, filter: $filter) { pageInfo { hasNextPage endCursor } nodes { ' +
      selection + ' } } }';
    var out = [];
    function next(after) {
      return gql(query, { after: after, filter: filter }).then(function (d) {
        out = out.concat(d.list.nodes);
        return d.list.pageInfo.hasNextPage ? next(d.list.pageInfo.endCursor) : out;
      });
    }
    return next(null);
  }

  var INDICATOR_FIELDS = 'indicators { indicator unit target achieved completionRate }';
  var FLOWS = 'quarters: fundFlows(filter: $flows, groupBy: [QUARTER]) { quarter amount count } ' +
    'counties: fundFlows(filter: $flows, groupBy: [RECIPIENT_COUNTY]) { recipientCounty { code name } amount count } ' +
    'dataQualityFindings(year: $year, filter: $findings, first: 100) @include(if: $signedIn) { ' +
    'totalCount nodes { kind message } }';
  var HELPER_QUERY = 'query($code: String!, $year: Int!, $flows: FundFlowFilter!, $findings: DataQualityFindingFilter!, $signedIn: Boolean!) { ' +
    'organization(code: $code) { code name progress(year: $year) { ' + INDICATOR_FIELDS + ' } } ' +
    'firstQuarterAllocation(year: $year) { helper { code } committed allocatedByMarch31 transfersByMarch31 allocatedInYear share } ' +
    FLOWS + ' }';
  var RECIPIENT_QUERY = 'query($code: String!, $year: Int!, $flows: FundFlowFilter!, $findings: DataQualityFindingFilter!, $signedIn: Boolean!) { ' +
    'region(code: $code) { code name } ' +
    'progressSummary(year: $year, groupBy: RECIPIENT_PROVINCE) { recipientProvince { code } progress { ' + INDICATOR_FIELDS + ' } } ' +
    FLOWS + ' }';

  // ---- numbers ----------------------------------------------------------------------------

  // Decimal strings to integer fen (BigInt), so sums stay exact.
  function fen(decimal) {
    var neg = decimal.charAt(0) === '-';
    var parts = (neg ? decimal.slice(1) : decimal).split('.');
    var frac = ((parts[1] || '') + '00').slice(0, 2);
    var v = BigInt(parts[0] || '0') * 100n + BigInt(frac);
    return neg ? -v : v;
  }
  function yuan(f) {
    var neg = f < 0n; if (neg) f = -f;
    var s = (f / 100n).toString() + '.' + (f % 100n).toString().padStart(2, '0');
    return neg ? '-' + s : s;
  }
  function grouped(decimal) {
    if (decimal === null || decimal === undefined) return '—';
    var parts = String(decimal).split('.');
    return parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (parts[1] ? '.' + parts[1] : '');
  }
  function percent(rate) { return rate === null || rate === undefined ? '—' : (rate * 100).toFixed(1) + '%'; }
  function num(decimal) { return decimal === null || decimal === undefined ? null : Number(decimal); }

  // ---- rendering ----------------------------------------------------------------------------

  function cell(tr, text, value, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (value !== undefined) td.dataset.value = value === null ? '' : String(value);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function fill(tbody, rows, render) {
    tbody.textContent = '';
    rows.forEach(function (row) {
      var tr = document.createElement('tr');
      render(tr, row);
      tbody.appendChild(tr);
    });
  }

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init($(id));
    return charts[id];
  }

  function bars(id, title, categories, series) {
    chart(id).setOption({
      // Figures appear at once: a page read (or captured) right after loading shows them whole.
      animation: false,
      title: { text: title, left: 0, textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis' },
      legend: { top: 0, right: 0 },
      grid: { top: 60, left: 10, right: 10, bottom: 10, containLabel: true },
      xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, rotate: categories.length > 4 ? 30 : 0 } },
      yAxis: { type: 'value', axisLabel: { formatter: function (v) { return v >= 1e8 ? v / 1e8 + (lang === 'zh' ? '亿' : 'e8') : v >= 1e4 ? v / 1e4 + (lang === 'zh' ? '万' : 'e4') : v; } } },
      series: series
    }, true);
  }

  // Indicators the year concerns: committed to, or with something achieved.
  function shownIndicators(indicators) {
    return indicators.filter(function (i) { return i.target !== null || Number(i.achieved) !== 0; });
  }

  function renderIndicators(indicators) {
    var shown = shownIndicators(indicators);
    fill($('indicators').querySelector('tbody'), shown, function (tr, i) {
      tr.dataset.indicator = i.indicator;
      cell(tr, named(INDICATORS, i.indicator));
      cell(tr, named(UNITS, i.unit));
      cell(tr, grouped(i.target), i.target, 'num');
      cell(tr, grouped(i.achieved), i.achieved, 'num');
      var rate = cell(tr, '', i.completionRate, 'num');
      var bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = Math.min(100, (i.completionRate || 0) * 100) * 0.06 + 'rem';
      rate.appendChild(bar);
      rate.appendChild(document.createTextNode(percent(i.completionRate)));
    });
    [['chart-money', 'moneyChart', function (i) { return i.unit === 'YUAN'; }],
      ['chart-counts', 'countChart', function (i) { return i.unit !== 'YUAN'; }]].forEach(function (c) {
      var rows = shown.filter(c[2]);
      bars(c[0], t(c[1]), rows.map(function (i) { return named(INDICATORS, i.indicator); }), [
        { name: t('target'), type: 'bar', data: rows.map(function (i) { return num(i.target); }) },
        { name: t('achieved'), type: 'bar', data: rows.map(function (i) { return num(i.achieved); }) }
      ]);
    });
  }

  function renderFirstQuarter(row) {
    var dl = $('first-quarter');
    dl.textContent = '';
    if (!row) {
      var p = document.createElement('dd');
      p.textContent = state.subject && state.subject.kind === 'org' ? t('none') : t('onlyHelpers');
      dl.appendChild(p);
      return;
    }
    [['committed', grouped(row.committed), row.committed], ['allocatedByMarch31', grouped(row.allocatedByMarch31), row.allocatedByMarch31],
      ['transfersByMarch31', String(row.transfersByMarch31), row.transfersByMarch31],
      ['allocatedInYear', grouped(row.allocatedInYear), row.allocatedInYear], ['share', percent(row.share), row.share]
    ].forEach(function (e) {
      var dt = document.createElement('dt'); dt.textContent = t(e[0]);
      var dd = document.createElement('dd'); dd.textContent = e[1]; dd.dataset.key = e[0];
      dd.dataset.value = e[2] === null ? '' : String(e[2]);
      dl.appendChild(dt); dl.appendChild(dd);
    });
  }

  function renderQuarters(groups) {
    var byQuarter = [1, 2, 3, 4].map(function (q) {
      var g = groups.filter(function (x) { return x.quarter === q; })[0];
      return g ? Number(g.amount) : 0;
    });
    bars('chart-quarters', '', ['Q1', 'Q2', 'Q3', 'Q4'], [{ name: t('amount'), type: 'bar', data: byQuarter }]);
  }

  function renderCounties(groups) {
    var rows = groups.slice().sort(function (a, b) { return Number(b.amount) - Number(a.amount) || (a.recipientCounty.code < b.recipientCounty.code ? -1 : 1); });
    fill($('counties').querySelector('tbody'), rows, function (tr, g) {
      tr.dataset.code = g.recipientCounty.code;
      cell(tr, g.recipientCounty.code);
      cell(tr, g.recipientCounty.name);
      cell(tr, grouped(g.amount), g.amount, 'num');
      cell(tr, String(g.count), g.count, 'num');
      tr.addEventListener('click', function () { openCounty(g.recipientCounty.code); });
    });
  }

  function renderFindings(findings) {
    var note = $('findings-note');
    var tbody = $('findings').querySelector('tbody');
    if (!findings) { note.textContent = t('findingsNeedToken'); tbody.textContent = ''; return; }
    // The API narrows them to the helper's pairings or the region; the first 100 are listed.
    note.textContent = findings.totalCount + ' ' + t('findingsCount');
    fill(tbody, findings.nodes, function (tr, f) {
      cell(tr, named(FINDINGS, f.kind));
      cell(tr, f.message);
    });
  }

  function exportQuery(params) {
    return Object.keys(params).map(function (k) { return k + '=' + encodeURIComponent(params[k]); }).join('&');
  }

  function renderDownloads() {
    var s = state.subject;
    var who = s.kind === 'org' ? { helperCode: s.code } : { provinceCode: s.code };
    $('dl-transfers').href = '/export/fund-transfers.csv?' + exportQuery(Object.assign({ year: state.year }, who));
    $('dl-flows').href = '/export/fund-flows.csv?' + exportQuery(Object.assign({ years: state.year, groupBy: 'QUARTER,RECIPIENT_COUNTY,CATEGORY' }, who));
    var iati = $('dl-iati');
    iati.parentNode.hidden = s.kind !== 'org';
    iati.href = '/export/iati/activities.xml?' + exportQuery({ helper: s.code, year: state.year });
  }

  function render() {
    var d = state.data;
    if (!d) return;
    renderIndicators(d.indicators);
    renderFirstQuarter(d.firstQuarter);
    renderQuarters(d.quarters);
    renderCounties(d.counties);
    renderFindings(d.findings);
    renderDownloads();
    if (state.countyData) renderCounty();
  }

  // ---- loading ----------------------------------------------------------------------------

  function status(text) { $('status').textContent = text; }

  function load() {
    var s = state.subject;
    if (!s) return Promise.resolve();
    var key = s.kind + ':' + s.code + '/' + state.year;
    document.body.dataset.loaded = '';
    status(t('loading'));
    var signedIn = !!sessionStorage.getItem(TOKEN_KEY);
    var flows = s.kind === 'org' ? { years: [state.year], helperCode: s.code } : { years: [state.year], provinceCode: s.code };
    var findings = s.kind === 'org' ? { helperCode: s.code } : { regionCode: s.code };
    var query = s.kind === 'org' ? HELPER_QUERY : RECIPIENT_QUERY;
    location.hash = key + (state.county ? '/' + state.county : '');
    return gql(query, { code: s.code, year: state.year, flows: flows, findings: findings, signedIn: signedIn }).then(function (d) {
      var indicators;
      var firstQuarter = null;
      if (s.kind === 'org') {
        indicators = d.organization ? d.organization.progress.indicators : [];
        firstQuarter = d.firstQuarterAllocation.filter(function (r) { return r.helper.code === s.code; })[0] || null;
      } else {
        var g = d.progressSummary.filter(function (r) { return r.recipientProvince && r.recipientProvince.code === s.code; })[0];
        indicators = g ? g.progress.indicators : [];
      }
      state.data = {
        indicators: indicators, firstQuarter: firstQuarter, quarters: d.quarters, counties: d.counties,
        findings: signedIn ? d.dataQualityFindings : null
      };
      render();
      status(t('loaded') + ' ' + new Date().toLocaleTimeString());
      document.body.dataset.loaded = key;
    }).catch(function (e) { status(t('error') + e.message); });
  }

  var COUNTY_QUERY = 'query($code: String!, $year: Int!) { region(code: $code) { code name ' +
    'assistance(year: $year) { ASSISTANCE } ' +
    'pairings(first: 20) { nodes { program helper { code name } letters(year: $year) { status ' +
    'commitments { indicator unit target achieved completionRate } } } } } }';

  function openCounty(code) {
    state.county = code;
    document.body.dataset.county = '';
    var fields = COUNTY_COLUMNS.filter(function (c) { return c.field && (!c.optional || (assistanceFields || []).indexOf(c.field) >= 0); })
      .map(function (c) { return c.field; });
    var query = COUNTY_QUERY.replace('ASSISTANCE', fields.join(' '));
    location.hash = state.subject.kind + ':' + state.subject.code + '/' + state.year + '/' + code;
    return gql(query, { code: code, year: state.year }).then(function (d) {
      state.countyData = d.region;
      renderCounty();
      document.body.dataset.county = code + '/' + state.year;
    }).catch(function (e) { status(t('error') + e.message); });
  }

  function renderCounty() {
    var r = state.countyData;
    var view = $('county-view');
    if (!r) { view.hidden = true; return; }
    view.hidden = false;
    $('county-name').textContent = r.name + ' (' + r.code + ')';
    var commitments = [];
    r.pairings.nodes.forEach(function (p) {
      p.letters.forEach(function (l) {
        l.commitments.forEach(function (c) { commitments.push({ helper: p.helper, c: c }); });
      });
    });
    var promised = commitments.filter(function (x) { return x.c.unit === 'YUAN'; })
      .reduce(function (sum, x) { return sum + fen(x.c.target); }, 0n);
    var columns = COUNTY_COLUMNS.filter(function (c) { return c.key === 'promised' || r.assistance[c.field] !== undefined; });
    var head = $('county-summary').querySelector('thead tr');
    head.textContent = '';
    columns.forEach(function (c) { var th = document.createElement('th'); th.className = 'num'; th.textContent = t(c.key) + ' (' + named(UNITS, 'YUAN') + ')'; head.appendChild(th); });
    fill($('county-summary').querySelector('tbody'), [r], function (tr) {
      columns.forEach(function (c) {
        var v = c.key === 'promised' ? yuan(promised) : r.assistance[c.field];
        var td = cell(tr, grouped(v), v, 'num');
        td.dataset.key = c.key;
      });
    });
    fill($('county-commitments').querySelector('tbody'), commitments, function (tr, x) {
      cell(tr, x.helper.name);
      cell(tr, named(INDICATORS, x.c.indicator));
      cell(tr, grouped(x.c.target) + ' ' + named(UNITS, x.c.unit), x.c.target, 'num');
      cell(tr, grouped(x.c.achieved), x.c.achieved, 'num');
      cell(tr, percent(x.c.completionRate), x.c.completionRate, 'num');
    });
  }

  // ---- controls -----------------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (el) { el.textContent = t(el.dataset.i18n); });
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n-placeholder]'), function (el) { el.placeholder = t(el.dataset.i18nPlaceholder); });
    Array.prototype.forEach.call(document.querySelectorAll('optgroup[data-i18n-label]'), function (el) { el.label = t(el.dataset.i18nLabel); });
    render();
  }

  function fillSubjects(groups) {
    var select = $('subject');
    select.textContent = '';
    groups.forEach(function (g) {
      var og = document.createElement('optgroup');
      og.dataset.i18nLabel = g.label;
      og.label = t(g.label);
      g.items.forEach(function (i) {
        var o = document.createElement('option');
        o.value = g.kind + ':' + i.code;
        o.textContent = i.name + ' (' + i.code + ')';
        og.appendChild(o);
      });
      select.appendChild(og);
    });
  }

  function parseSubject(value) {
    var at = value.indexOf(':');
    return at < 0 ? null : { kind: value.slice(0, at), code: value.slice(at + 1) };
  }

  function showWho() {
    var token = sessionStorage.getItem(TOKEN_KEY);
    $('signout').hidden = !token;
    if (!token) { $('who').textContent = t('anonymous'); return Promise.resolve(); }
    return gql('{ viewer { subject role } }').then(function (d) {
      $('who').textContent = t('signedInAs') + d.viewer.subject + ' (' + d.viewer.role + ')';
    }).catch(function (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('who').textContent = t('error') + e.message;
      $('signout').hidden = true;
    });
  }

  // Downloads carry the token when signed in (a plain link cannot send a header).
  function download(event) {
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return;
    event.preventDefault();
    var a = event.currentTarget;
    fetch(a.href, { headers: { Authorization: 'Bearer ' + token } }).then(function (r) {
      if (!r.ok) return r.text().then(function (m) { throw new Error(m); });
      return r.blob();
    }).then(function (blob) {
      var link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = a.pathname.split('/').pop();
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    }).catch(function (e) { status(t('error') + e.message); });
  }

  function start() {
    var year = $('year');
    for (var y = LAST_YEAR; y >= FIRST_YEAR; y--) {
      var o = document.createElement('option'); o.value = String(y); o.textContent = String(y); year.appendChild(o);
    }
    var hash = location.hash.replace(/^#/, '').split('/');
    $('lang').addEventListener('click', function () {
      lang = lang === 'zh' ? 'en' : 'zh';
      sessionStorage.setItem(LANG_KEY, lang);
      applyLanguage();
    });
    $('signin').addEventListener('submit', function (e) {
      e.preventDefault();
      var token = $('token').value.trim();
      $('token').value = '';
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      showWho().then(load);
    });
    $('signout').addEventListener('click', function () {
      sessionStorage.removeItem(TOKEN_KEY);
      showWho().then(load);
    });
    ['dl-transfers', 'dl-flows', 'dl-iati'].forEach(function (id) { $(id).addEventListener('click', download); });
    $('subject').addEventListener('change', function () {
      state.subject = parseSubject($('subject').value);
      state.county = null; state.countyData = null; renderCounty();
      load();
    });
    year.addEventListener('change', function () {
      state.year = Number(year.value);
      load().then(function () { if (state.county) return openCounty(state.county); });
    });
    window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });

    applyLanguage();
    status(t('loading'));
    var introspect = gql('{ __type(name: "RegionAssistance") { fields { name } } }')
      .then(function (d) { assistanceFields = d.__type ? d.__type.fields.map(function (f) { return f.name; }) : []; })
      .catch(function () { assistanceFields = []; });
    var east = function (o) { return o.region && o.region.zone === 'EAST'; };
    var lists = Promise.all([
      all('organizations', { kind: 'PROVINCIAL_GOVERNMENT' }, 'code name region { zone }'),
      all('organizations', { kind: 'CITY_GOVERNMENT' }, 'code name region { zone }'),
      all('organizations', { kind: 'CENTRAL_UNIT' }, 'code name'),
      all('regions', { level: 'PROVINCE', zone: 'WEST' }, 'code name')
    ]);
    Promise.all([lists, introspect, showWho()]).then(function (r) {
      var l = r[0];
      fillSubjects([
        { label: 'helpers', kind: 'org', items: l[0].filter(east).concat(l[1].filter(east)) },
        { label: 'centralUnits', kind: 'org', items: l[2] },
        { label: 'recipients', kind: 'region', items: l[3] }
      ]);
      var wanted = hash[0] && $('subject').querySelector('option[value="' + hash[0] + '"]') ? hash[0] : 'org:310000';
      $('subject').value = wanted;
      if (hash[1] && Number(hash[1]) >= FIRST_YEAR && Number(hash[1]) <= LAST_YEAR) year.value = hash[1];
      state.subject = parseSubject($('subject').value);
      state.year = Number(year.value);
      return load().then(function () { if (/^\d{6}$/.test(hash[2] || '')) return openCounty(hash[2]); });
    }).catch(function (e) { status(t('error') + e.message); });
  }

  window.dashboard = { charts: charts, load: load, openCounty: openCounty };
  start();
})();
