import t from 'tap';
import { passwordProblem } from '../../../src/auth/account-passwords.js';

t.test('a password of 8–40 printable ASCII characters with letters and digits is accepted', async (t) => {
  t.equal(passwordProblem('abcd1234'), undefined, '8 characters');
  t.equal(passwordProblem('a1' + 'x'.repeat(38)), undefined, '40 characters');
  t.equal(passwordProblem('Pa55!#$%&()*+,-./:;<=>?@[]^_`{|}~'), undefined, 'punctuation is printable ASCII');
});

t.test('length and character classes', async (t) => {
  t.equal(passwordProblem('abc1234'), 'must be 8–40 characters', '7 characters');
  t.equal(passwordProblem('a1' + 'x'.repeat(39)), 'must be 8–40 characters', '41 characters');
  t.equal(passwordProblem('abcdefgh'), 'must contain letters and digits', 'no digit');
  t.equal(passwordProblem('12345678'), 'must contain letters and digits', 'no letter');
});

t.test('spaces, control characters and non-ASCII letters are refused', async (t) => {
  const printable = 'must be printable ASCII without spaces';
  t.equal(passwordProblem('abcd 1234'), printable, 'a space inside');
  t.equal(passwordProblem(' abcd1234'), printable, 'a leading space');
  t.equal(passwordProblem('abcd1234 '), printable, 'a trailing space');
  t.equal(passwordProblem('abcd\t1234'), printable, 'a tab');
  t.equal(passwordProblem('abcd\n1234'), printable, 'a newline');
  t.equal(passwordProblem('abcd\x7f1234'), printable, 'DEL');
  t.equal(passwordProblem('jörg12345'), printable, 'a Latin-1 letter');
  t.equal(passwordProblem('пароль123x'), printable, 'Cyrillic letters beside an ASCII one');
  t.equal(passwordProblem('abcd1234\u00a0'), printable, 'a no-break space');
});
