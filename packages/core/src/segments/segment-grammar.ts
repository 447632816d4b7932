/**
 * The segment language's grammar (Peggy, a PEG parser generator). Start rules: `Definition` (a
 * condition: segments, decide rules) and `ComputedDefinition` (a computed trait: an aggregate or a
 * built-in, `rfm(...)` and `engagement(...)`, which only computed traits can be).
 */
export const SEGMENT_GRAMMAR = String.raw`
Definition = _ c:Or _ { return c; }
ComputedDefinition = _ a:(Builtin / Aggregate) _ { return a; }

Or = head:And tail:(__ "or" !IdChar _ @And)* {
  return tail.length === 0 ? head : { type: 'or', children: [head, ...tail] };
}
And = head:Unary tail:(__ "and" !IdChar _ @Unary)* {
  return tail.length === 0 ? head : { type: 'and', children: [head, ...tail] };
}
Unary
  = "not" !IdChar _ child:Unary { return { type: 'not', child }; }
  / Predicate

Predicate
  = Sequence
  / "(" _ c:Or _ ")" { return c; }
  / InSegment
  / left:Operand _ op:CompareOp _ right:Operand { return { type: 'compare', op, left, right }; }
  / value:Operand __ "in" !IdChar _ list:List { return { type: 'in', value, list }; }
  / value:Operand __ "contains" !IdChar _ search:Operand { return { type: 'contains', value, search }; }
  / value:Operand __ "starts_with" !IdChar _ prefix:Operand { return { type: 'starts_with', value, prefix }; }
  / value:Operand __ "matches" !IdChar _ re:Regex { return { type: 'matches', value, pattern: re.pattern, flags: re.flags }; }
  / value:Path __ "exists" !IdChar { return { type: 'exists', value }; }
  / b:Boolean { return { type: 'boolean', value: b }; }

Sequence
  = first:Pattern __ "then" !IdChar _ negated:("not" !IdChar _ { return true; })? then:Pattern _ "within" !IdChar _ within:Duration {
      return { type: 'sequence', first, then, negated: negated === true, within };
    }

InSegment = "in_segment" _ "(" _ name:String _ ")" { return { type: 'in_segment', segment: name }; }

Operand = Aggregate / Path / l:Literal { return { type: 'literal', value: l }; }

Aggregate
  = "count" !IdChar _ "(" _ pattern:Pattern window:(_ "," _ @Window)? _ ")" {
      return window ? { type: 'aggregate', fn: 'count', pattern, window } : { type: 'aggregate', fn: 'count', pattern };
    }
  / "days_since" !IdChar _ "(" _ pattern:Pattern _ ")" { return { type: 'aggregate', fn: 'days_since', pattern }; }
  / fn:("sum" / "avg" / "min" / "max" / "distinct" / "first" / "last" / "most_frequent") !IdChar _ "(" _
      event:String "." property:PathSegments where:(__ "where" !IdChar _ @Or)? window:(_ "," _ @Window)? _ ")" {
      const pattern = where ? { event, where } : { event };
      const node = { type: 'aggregate', fn, pattern, property };
      return window ? { ...node, window } : node;
    }

Builtin
  = "rfm" !IdChar _ "(" _ event:String "." property:PathSegments where:(__ "where" !IdChar _ @Or)? _ "," _ window:Duration _ ")" {
      return { type: 'rfm', pattern: where ? { event, where } : { event }, property, window };
    }
  / "engagement" !IdChar _ "(" _ "events" _ ":" _ "{" _ events:WeightedPatterns _ "}"
      recency:(_ "," _ "recency" _ ":" _ "{" _ @WeightedWindows _ "}")? _ ")" {
      return recency ? { type: 'engagement', events, recency } : { type: 'engagement', events };
    }

WeightedPatterns = head:WeightedPattern tail:(_ "," _ @WeightedPattern)* { return [head, ...tail]; }
WeightedPattern = pattern:Pattern _ ":" _ weight:Number { return { pattern, weight }; }
WeightedWindows = head:WeightedWindow tail:(_ "," _ @WeightedWindow)* {
  const windows = [head, ...tail];
  for (let i = 1; i < windows.length; i++) {
    if (windows[i].ms <= windows[i - 1].ms) error('recency windows must grow from left to right');
  }
  return windows.map(({ window, weight }) => ({ window, weight }));
}
WeightedWindow = window:Duration _ ":" _ weight:Number {
  return { window, weight, ms: window.amount * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[window.unit] };
}

Pattern = event:String where:(_ "where" !IdChar _ @Or)? { return where ? { event, where } : { event }; }

Window = "ever" !IdChar { return null; } / Duration

Duration = digits:$[0-9]+ unit:[smhdw] !IdChar {
  const amount = Number(digits);
  if (amount === 0) error('a duration must be positive');
  return { amount, unit };
}

Path = root:Root "." path:PathSegments { return { type: 'path', root, path }; }
Root = root:$("traits" / "computed" / "consent" / "context" / "properties") &"." { return root; }
PathSegments = head:Segment tail:("." @Segment)* { return [head, ...tail]; }
Segment = $([A-Za-z_$] IdChar*) / String

CompareOp = "<=" / ">=" / "!=" / "=" / "<" / ">"

List = "[" _ items:(head:Literal tail:(_ "," _ @Literal)* { return [head, ...tail]; })? _ "]" { return items ?? []; }

Literal = String / Number / Boolean / "null" !IdChar { return null; }

Boolean = "true" !IdChar { return true; } / "false" !IdChar { return false; }

Number "number" = text:$("-"? [0-9]+ ("." [0-9]+)? ([eE] [+-]? [0-9]+)?) !IdChar { return Number(text); }

String "string" = '"' chars:$(("\\" .) / [^"\\\n])* '"' {
  try { return JSON.parse('"' + chars + '"'); } catch (e) { error('invalid escape in string'); }
}

Regex "regular expression" = "/" pattern:$(("\\" .) / [^/\\\n])+ "/" flags:$[dgimsuy]* {
  try { new RegExp(pattern, flags); } catch (e) { error('invalid regular expression: ' + e.message); }
  return { pattern, flags };
}

IdChar = [A-Za-z0-9_$]
_ "whitespace" = [ \t\r\n]*
__ "whitespace" = [ \t\r\n]+
`;
