/**
 * The segment language's grammar (Peggy, a PEG parser generator). Start rules: `Definition` (a
 * condition: segments, decide rules) and `AggregateDefinition` (a computed trait).
 */
export const SEGMENT_GRAMMAR = String.raw`
Definition = _ c:Or _ { return c; }
AggregateDefinition = _ a:Aggregate _ { return a; }

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
