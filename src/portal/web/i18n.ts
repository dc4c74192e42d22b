/**
 * Japanese and English. The language follows the browser (navigator.language)
 * until the user picks one; the choice is kept in localStorage.
 */
export type Lang = 'ja' | 'en';

const en = {
  'app.title': 'Customer portal',
  'lang.switch': '日本語',
  'nav.lines': 'Lines', 'nav.number': 'My number', 'nav.bulk': 'Bulk forwarding', 'nav.hunt': 'Hunt groups',
  'nav.history': 'History', 'nav.csv': 'Forwarding CSV', 'nav.accounts': 'Accounts', 'nav.routing': 'Peers and routes',
  'nav.signout': 'Sign out', 'nav.label': 'Main menu',
  'signin.title': 'Sign in', 'signin.name': 'Account name', 'signin.password': 'Password', 'signin.submit': 'Sign in',
  'signin.wrong': 'Wrong account name or password.',
  'signin.locked': 'This account is locked after three wrong passwords. Try again after {until}, or ask your administrator to unlock it.',
  'signin.expired': 'Your session has ended. Please sign in again.',
  'signin.signedout': 'You have signed out.',
  'common.loading': 'Loading…', 'common.save': 'Save', 'common.cancel': 'Cancel', 'common.add': 'Add', 'common.remove': 'Remove',
  'common.search': 'Search', 'common.none': 'none', 'common.error': 'Error', 'common.saved': 'Saved.',
  'common.notfound': 'Not found, or not yours to see.', 'common.forbidden': 'Your role may not do this.',
  'common.invalid': 'Some values were refused; see the messages at the fields.',
  'common.stale': 'Someone else changed this since you opened it. Nothing was saved. Their current values are below: load them, then make your change again.',
  'common.loadCurrent': 'Load the current values', 'common.currentValues': 'Current values', 'common.on': 'on', 'common.off': 'off',
  'common.site': 'Site', 'common.number': 'Number', 'common.members': 'Members', 'common.state': 'State', 'common.result': 'Result',
  'common.when': 'When', 'common.account': 'Account', 'common.role': 'Role', 'common.change': 'Change',
  'lines.title': 'Lines', 'lines.search': 'Number or site', 'lines.sipId': 'Line (SIP ID)', 'lines.numbers': 'Numbers',
  'lines.status': 'Registration', 'lines.latestError': 'Latest error', 'lines.empty': 'No lines match.',
  'status.registered': 'registered', 'status.not registered': 'not registered', 'status.not applicable': 'not applicable (IP-authenticated)',
  'number.title': 'Number {number}', 'number.line': 'Line {sipId}, site {siteId}',
  'fwd.legend': 'Call forwarding', 'fwd.enabled': 'Forwarding on', 'fwd.when': 'Forward when',
  'fwd.unconditional': 'Always (unconditional)', 'fwd.busy': 'Busy', 'fwd.noAnswer': 'No answer', 'fwd.unreachable': 'Unreachable',
  'fwd.ringTime': 'Ring time before forwarding on no answer (seconds, 5–30)', 'fwd.active': 'Destination in use',
  'fwd.dest': 'Destination {n}', 'fwd.dest5': 'Destination 5 (bulk forwarding)', 'fwd.destinations': 'Destinations', 'fwd.destHint': 'A phone number, e.g. 0312345678',
  'fwd.schedule': 'Weekly schedule', 'fwd.scheduleHint': 'The first rule that matches the time (service time zone) replaces the settings above.',
  'fwd.addRule': 'Add a rule', 'fwd.rule': 'Rule {n}', 'fwd.days': 'Days', 'fwd.from': 'From', 'fwd.to': 'To',
  'day.0': 'Sun', 'day.1': 'Mon', 'day.2': 'Tue', 'day.3': 'Wed', 'day.4': 'Thu', 'day.5': 'Fri', 'day.6': 'Sat',
  'block.legend': 'Nuisance call blocking', 'block.list': 'Blocked numbers', 'block.add': 'Number to block', 'block.addButton': 'Block',
  'block.counts': 'Calls rejected: this month {thisMonth}, last month {lastMonth}', 'block.announcement': 'Announcement URI (optional)',
  'anon.legend': 'Anonymous calls', 'anon.reject': 'Reject calls that withhold the caller ID',
  'pres.legend': 'Caller ID on your calls', 'pres.present': 'Show my number', 'pres.withhold': 'Withhold my number',
  'admin.legend': 'Line restrictions (administrators)', 'admin.intl': 'Bar international calls', 'admin.outgoing': 'Restrict outgoing calls',
  'admin.specific': 'Present another number', 'admin.specificNumber': 'Number to present',
  'bulk.title': 'Bulk forwarding', 'bulk.hint': 'Start forwards every member to its destination 5; stop returns each to its own settings.',
  'bulk.start': 'Start', 'bulk.stop': 'Stop', 'bulk.results': 'Result per number', 'bulk.done': 'done', 'bulk.error': 'error',
  'bulk.empty': 'No bulk forwarding groups.', 'state.stopped': 'stopped', 'state.started': 'started', 'state.starting': 'starting', 'state.stopping': 'stopping',
  'hunt.title': 'Hunt groups', 'hunt.id': 'Group ID', 'hunt.pilot': 'Pilot number', 'hunt.members': 'Members (one number per line, in order)',
  'hunt.mode': 'Order', 'hunt.sequential': 'Sequential', 'hunt.roundRobin': 'Round robin', 'hunt.presentation': 'Members show',
  'hunt.presPilot': 'the pilot number', 'hunt.presOwn': 'their own number', 'hunt.new': 'New hunt group', 'hunt.edit': 'Edit', 'hunt.empty': 'No hunt groups.',
  'history.title': 'Settings history', 'history.from': 'From (date)', 'history.to': 'To (date)', 'history.filter': 'Show',
  'history.target': 'What', 'history.before': 'Before', 'history.after': 'After', 'history.empty': 'No changes in this period.',
  'csv.title': 'Forwarding as CSV', 'csv.download': 'Download CSV', 'csv.upload': 'CSV file to upload', 'csv.send': 'Upload',
  'csv.hint': 'Edit the downloaded file and upload it. The whole file is checked first: any error changes nothing.',
  'csv.applied': 'Applied: {numbers} rows, {changed} numbers changed.', 'csv.errors': 'Nothing was changed. Fix these and upload again:',
  'csv.stale': 'The forwarding of this site changed since you downloaded it. Nothing was changed: download it again.',
  'accounts.title': 'Accounts', 'accounts.create': 'Create an account', 'accounts.name': 'Account name', 'accounts.password': 'Initial password',
  'accounts.passwordHint': '8–40 characters with letters and digits', 'accounts.scope': 'Scope', 'accounts.voiceGroupId': 'Voice group ID',
  'accounts.siteId': 'Site ID', 'accounts.number': 'Number', 'accounts.delete': 'Delete', 'accounts.unlock': 'Unlock',
  'accounts.created': 'Account {name} created.', 'accounts.deleted': 'Account {name} deleted.', 'accounts.unlocked': 'Account {name} unlocked.',
  'accounts.confirmDelete': 'Delete the account {name}?',
  'password.title': 'Change my password', 'password.current': 'Current password', 'password.new': 'New password', 'password.changed': 'Password changed. Please sign in again.',
  'role.operator': 'Operator', 'role.voice-group-admin': 'Voice-group administrator', 'role.site-admin': 'Site administrator', 'role.number-user': 'Number user',
  'routing.title': 'Peers and routes', 'routing.peers': 'Interconnect peers', 'routing.routes': 'Outbound routes', 'routing.emergency': 'Emergency route',
  'routing.prefix': 'Prefix', 'routing.target': 'Target', 'routing.addresses': 'Addresses', 'routing.name': 'Name',
  'signedin': 'Signed in as {name} ({role})',
};

type Key = keyof typeof en;

const ja: Record<Key, string> = {
  'app.title': 'お客さまポータル',
  'lang.switch': 'English',
  'nav.lines': '回線一覧', 'nav.number': '自分の番号', 'nav.bulk': '一括転送', 'nav.hunt': '代表組',
  'nav.history': '設定履歴', 'nav.csv': '転送設定CSV', 'nav.accounts': 'アカウント', 'nav.routing': '接続先とルート',
  'nav.signout': 'ログアウト', 'nav.label': 'メインメニュー',
  'signin.title': 'ログイン', 'signin.name': 'アカウント名', 'signin.password': 'パスワード', 'signin.submit': 'ログイン',
  'signin.wrong': 'アカウント名またはパスワードが違います。',
  'signin.locked': 'パスワードを3回間違えたため、このアカウントはロックされています。{until} 以降にもう一度お試しいただくか、管理者にロック解除を依頼してください。',
  'signin.expired': 'ログインの有効期限が切れました。もう一度ログインしてください。',
  'signin.signedout': 'ログアウトしました。',
  'common.loading': '読み込み中…', 'common.save': '保存', 'common.cancel': 'キャンセル', 'common.add': '追加', 'common.remove': '削除',
  'common.search': '検索', 'common.none': 'なし', 'common.error': 'エラー', 'common.saved': '保存しました。',
  'common.notfound': '見つからないか、閲覧する権限がありません。', 'common.forbidden': 'この操作を行う権限がありません。',
  'common.invalid': '受け付けられない値があります。各項目のメッセージをご確認ください。',
  'common.stale': 'この画面を開いた後に、他の方が設定を変更しました。保存していません。現在の設定を下に表示しています。読み込み直してから、もう一度変更してください。',
  'common.loadCurrent': '現在の設定を読み込む', 'common.currentValues': '現在の設定', 'common.on': 'オン', 'common.off': 'オフ',
  'common.site': '拠点', 'common.number': '番号', 'common.members': 'メンバー', 'common.state': '状態', 'common.result': '結果',
  'common.when': '日時', 'common.account': 'アカウント', 'common.role': '権限', 'common.change': '変更内容',
  'lines.title': '回線一覧', 'lines.search': '番号または拠点', 'lines.sipId': '回線 (SIP ID)', 'lines.numbers': '番号',
  'lines.status': '登録状態', 'lines.latestError': '最新のエラー', 'lines.empty': '該当する回線はありません。',
  'status.registered': '登録済み', 'status.not registered': '未登録', 'status.not applicable': '対象外 (IP認証)',
  'number.title': '番号 {number}', 'number.line': '回線 {sipId}、拠点 {siteId}',
  'fwd.legend': '着信転送', 'fwd.enabled': '転送する', 'fwd.when': '転送する条件',
  'fwd.unconditional': '常に転送 (無条件)', 'fwd.busy': '話中', 'fwd.noAnswer': '無応答', 'fwd.unreachable': '圏外・不達',
  'fwd.ringTime': '無応答と判断するまでの呼出時間 (秒、5〜30)', 'fwd.active': '使用する転送先',
  'fwd.dest': '転送先 {n}', 'fwd.dest5': '転送先 5 (一括転送用)', 'fwd.destinations': '転送先', 'fwd.destHint': '電話番号 (例: 0312345678)',
  'fwd.schedule': '曜日・時間帯別の設定', 'fwd.scheduleHint': 'サービスの時間帯で最初に一致したルールが、上の設定の代わりに使われます。',
  'fwd.addRule': 'ルールを追加', 'fwd.rule': 'ルール {n}', 'fwd.days': '曜日', 'fwd.from': '開始', 'fwd.to': '終了',
  'day.0': '日', 'day.1': '月', 'day.2': '火', 'day.3': '水', 'day.4': '木', 'day.5': '金', 'day.6': '土',
  'block.legend': '迷惑電話拒否', 'block.list': '拒否する番号', 'block.add': '拒否する番号を追加', 'block.addButton': '拒否に追加',
  'block.counts': '拒否した着信: 今月 {thisMonth} 件、先月 {lastMonth} 件', 'block.announcement': 'アナウンスURI (任意)',
  'anon.legend': '非通知着信', 'anon.reject': '番号非通知の着信を拒否する',
  'pres.legend': '発信者番号の通知', 'pres.present': '番号を通知する', 'pres.withhold': '番号を通知しない',
  'admin.legend': '回線の制限 (管理者)', 'admin.intl': '国際電話の発信を規制する', 'admin.outgoing': '発信を規制する',
  'admin.specific': '別の番号を通知する', 'admin.specificNumber': '通知する番号',
  'bulk.title': '一括転送', 'bulk.hint': '開始すると各メンバーが転送先 5 へ転送されます。停止すると各番号の設定に戻ります。',
  'bulk.start': '開始', 'bulk.stop': '停止', 'bulk.results': '番号ごとの結果', 'bulk.done': '完了', 'bulk.error': 'エラー',
  'bulk.empty': '一括転送グループはありません。', 'state.stopped': '停止中', 'state.started': '転送中', 'state.starting': '開始処理中', 'state.stopping': '停止処理中',
  'hunt.title': '代表組', 'hunt.id': 'グループID', 'hunt.pilot': '代表番号', 'hunt.members': 'メンバー (1行に1番号、着信順)',
  'hunt.mode': '着信順', 'hunt.sequential': '順次', 'hunt.roundRobin': 'ラウンドロビン', 'hunt.presentation': 'メンバーの発信時の通知番号',
  'hunt.presPilot': '代表番号', 'hunt.presOwn': '各自の番号', 'hunt.new': '代表組を新規作成', 'hunt.edit': '編集', 'hunt.empty': '代表組はありません。',
  'history.title': '設定履歴', 'history.from': '開始日', 'history.to': '終了日', 'history.filter': '表示',
  'history.target': '対象', 'history.before': '変更前', 'history.after': '変更後', 'history.empty': 'この期間の変更はありません。',
  'csv.title': '転送設定のCSV', 'csv.download': 'CSVをダウンロード', 'csv.upload': 'アップロードするCSVファイル', 'csv.send': 'アップロード',
  'csv.hint': 'ダウンロードしたファイルを編集してアップロードしてください。ファイル全体を先に確認し、誤りが1つでもあれば何も変更しません。',
  'csv.applied': '反映しました: {numbers} 行、{changed} 番号を変更。', 'csv.errors': '何も変更していません。次の箇所を直して、もう一度アップロードしてください:',
  'csv.stale': 'ダウンロードの後にこの拠点の転送設定が変更されました。何も変更していません。もう一度ダウンロードしてください。',
  'accounts.title': 'アカウント', 'accounts.create': 'アカウントを作成', 'accounts.name': 'アカウント名', 'accounts.password': '初期パスワード',
  'accounts.passwordHint': '英字と数字を含む8〜40文字', 'accounts.scope': '範囲', 'accounts.voiceGroupId': 'ボイスグループID',
  'accounts.siteId': '拠点ID', 'accounts.number': '番号', 'accounts.delete': '削除', 'accounts.unlock': 'ロック解除',
  'accounts.created': 'アカウント {name} を作成しました。', 'accounts.deleted': 'アカウント {name} を削除しました。', 'accounts.unlocked': 'アカウント {name} のロックを解除しました。',
  'accounts.confirmDelete': 'アカウント {name} を削除しますか?',
  'password.title': 'パスワードの変更', 'password.current': '現在のパスワード', 'password.new': '新しいパスワード', 'password.changed': 'パスワードを変更しました。もう一度ログインしてください。',
  'role.operator': 'オペレーター', 'role.voice-group-admin': 'ボイスグループ管理者', 'role.site-admin': '拠点管理者', 'role.number-user': '番号利用者',
  'routing.title': '接続先とルート', 'routing.peers': '相互接続先', 'routing.routes': '発信ルート', 'routing.emergency': '緊急通報ルート',
  'routing.prefix': 'プレフィックス', 'routing.target': '宛先', 'routing.addresses': 'アドレス', 'routing.name': '名前',
  'signedin': '{name} ({role}) でログイン中',
};

export const DICTIONARIES: Record<Lang, Record<Key, string>> = { en, ja };

let current: Lang = initialLang();

function initialLang(): Lang {
  const saved = localStorage.getItem('lang');
  if (saved === 'ja' || saved === 'en') return saved;
  return (navigator.language || 'en').toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  current = l;
  localStorage.setItem('lang', l);
  document.documentElement.lang = l;
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return DICTIONARIES[current][key].replace(/\{(\w+)\}/g, (_, v: string) => String(vars[v] ?? `{${v}}`));
}

export type { Key };
