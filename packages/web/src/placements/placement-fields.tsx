import { useId } from 'react';
import { Field } from '../components/form-field.js';
import { RefusalMessage, type Refusal } from '../components/refusal-message.js';
import {
  capUnits,
  emptyItem,
  otherFields,
  type CapUnit,
  type ItemFields,
  type PlacementFields,
} from './placement-form.js';

/** A refusal the API tied to one of the form's fields (placement-form.ts `refusedField`). */
export interface FieldRefusal {
  field: string;
  refusal: Refusal;
}

/**
 * The placement as a form: its description, each item (id, rule, priority, override, template,
 * schedule, frequency cap, experiment and its variants' templates)
 * in the order they rank at equal priority, and the default. A refusal is shown at its field.
 */
export function PlacementFieldsForm({
  fields,
  onChange,
  refused,
}: {
  fields: PlacementFields;
  onChange: (fields: PlacementFields) => void;
  refused: FieldRefusal | undefined;
}) {
  const setItem = (index: number, item: ItemFields) => {
    onChange({ ...fields, items: fields.items.map((old, i) => (i === index ? item : old)) });
  };
  const move = (index: number, by: -1 | 1) => {
    const items = [...fields.items];
    const [item] = items.splice(index, 1);
    if (item === undefined) return;
    items.splice(index + by, 0, item);
    onChange({ ...fields, items });
  };
  return (
    <>
      <Field
        label="Description"
        refused={refused?.field === 'description' ? refused.refusal : undefined}
      >
        {(props) => (
          <input
            {...props}
            value={fields.description}
            maxLength={2000}
            onChange={(event) => {
              onChange({ ...fields, description: event.target.value });
            }}
          />
        )}
      </Field>
      {fields.items.map((item, index) => (
        <ItemFieldset
          key={index}
          index={index}
          count={fields.items.length}
          item={item}
          refused={
            refused?.field === `items.${index}` || refused?.field.startsWith(`items.${index}.`)
              ? refused
              : undefined
          }
          onChange={(changed) => {
            setItem(index, changed);
          }}
          onMove={(by) => {
            move(index, by);
          }}
          onRemove={() => {
            onChange({ ...fields, items: fields.items.filter((_, i) => i !== index) });
          }}
        />
      ))}
      <p>
        <button
          type="button"
          className="quiet"
          onClick={() => {
            onChange({ ...fields, items: [...fields.items, emptyItem()] });
          }}
        >
          Add item
        </button>
      </p>
      <fieldset className="item">
        <legend>Default (served when no item may be)</legend>
        <Field label="Id" refused={refused?.field === 'default.id' ? refused.refusal : undefined}>
          {(props) => (
            <input
              {...props}
              value={fields.defaultId}
              maxLength={128}
              onChange={(event) => {
                onChange({ ...fields, defaultId: event.target.value });
              }}
            />
          )}
        </Field>
        <Field
          label="Template (Liquid)"
          refused={refused?.field === 'default.template' ? refused.refusal : undefined}
        >
          {(props) => (
            <textarea
              {...props}
              rows={3}
              spellCheck={false}
              value={fields.defaultTemplate}
              onChange={(event) => {
                onChange({ ...fields, defaultTemplate: event.target.value });
              }}
            />
          )}
        </Field>
      </fieldset>
    </>
  );
}

function ItemFieldset({
  index,
  count,
  item,
  refused,
  onChange,
  onMove,
  onRemove,
}: {
  index: number;
  count: number;
  item: ItemFields;
  refused: FieldRefusal | undefined;
  onChange: (item: ItemFields) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const at = (name: string) =>
    refused?.field === `items.${index}.${name}` ? refused.refusal : undefined;
  const others = otherFields(item);
  return (
    <fieldset className="item">
      <legend>Item {index + 1}</legend>
      {refused?.field === `items.${index}` && (
        <p className="error" role="alert">
          Not saved: {refused.refusal.message}
        </p>
      )}
      <div className="item-row">
        <Field label="Id" refused={at('id')}>
          {(props) => (
            <input
              {...props}
              value={item.id}
              maxLength={128}
              onChange={(event) => {
                onChange({ ...item, id: event.target.value });
              }}
            />
          )}
        </Field>
        <Field label="Priority" refused={at('priority')}>
          {(props) => (
            <input
              {...props}
              inputMode="decimal"
              value={item.priority}
              placeholder="0"
              onChange={(event) => {
                onChange({ ...item, priority: event.target.value });
              }}
            />
          )}
        </Field>
      </div>
      <Field
        label="Rule (when; empty: always eligible)"
        refused={at('when')}
        hint={
          'The segment language: traits.plan = "pro", in_segment("buyers"), context.page.path = "/sale"'
        }
      >
        {(props) => (
          <input
            {...props}
            value={item.when}
            spellCheck={false}
            onChange={(event) => {
              onChange({ ...item, when: event.target.value });
            }}
          />
        )}
      </Field>
      <Field label="Template (Liquid)" refused={at('template')}>
        {(props) => (
          <textarea
            {...props}
            rows={3}
            spellCheck={false}
            value={item.template}
            onChange={(event) => {
              onChange({ ...item, template: event.target.value });
            }}
          />
        )}
      </Field>
      <p className="check">
        <label>
          <input
            type="checkbox"
            checked={item.override}
            onChange={(event) => {
              onChange({ ...item, override: event.target.checked });
            }}
          />{' '}
          Override: when eligible, wins over items that are not overrides
        </label>
      </p>
      <ScheduleCapExperiment item={item} at={at} onChange={onChange} />
      {others.length > 0 && (
        <p className="note">
          Also set: {others.join(', ')} (kept as they are; edit as JSON to change them).
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="quiet"
          disabled={index === 0}
          onClick={() => {
            onMove(-1);
          }}
        >
          Move up
        </button>
        <button
          type="button"
          className="quiet"
          disabled={index === count - 1}
          onClick={() => {
            onMove(1);
          }}
        >
          Move down
        </button>
        <button type="button" className="quiet" onClick={onRemove}>
          Remove item {index + 1}
        </button>
      </div>
    </fieldset>
  );
}

const UNIT_NAMES: Record<CapUnit, string> = {
  s: 'seconds',
  m: 'minutes',
  h: 'hours',
  d: 'days',
  w: 'weeks',
};

/**
 * An item's schedule (local date and time, sent as the instant), frequency cap (at most N times
 * per window) and experiment with its variants' own templates (docs/decide.md). Empty fields
 * leave each out; what is typed is sent as it is, and the API's refusal shown at its field.
 */
function ScheduleCapExperiment({
  item,
  at,
  onChange,
}: {
  item: ItemFields;
  at: (name: string) => Refusal | undefined;
  onChange: (item: ItemFields) => void;
}) {
  const id = useId();
  const setVariant = (index: number, changes: Partial<ItemFields['variants'][number]>) => {
    onChange({
      ...item,
      variants: item.variants.map((v, i) => (i === index ? { ...v, ...changes } : v)),
    });
  };
  return (
    <>
      <fieldset className="sub">
        <legend>Schedule (your time zone; empty: always)</legend>
        <div className="item-row">
          <Field label="Shown from" refused={at('schedule')}>
            {(props) => (
              <input
                {...props}
                type="datetime-local"
                step={1}
                value={item.scheduleStart}
                onChange={(event) => {
                  onChange({ ...item, scheduleStart: event.target.value });
                }}
              />
            )}
          </Field>
          <Field label="Until (not included)" refused={undefined}>
            {(props) => (
              <input
                {...props}
                type="datetime-local"
                step={1}
                value={item.scheduleEnd}
                onChange={(event) => {
                  onChange({ ...item, scheduleEnd: event.target.value });
                }}
              />
            )}
          </Field>
        </div>
      </fieldset>
      <fieldset className="sub">
        <legend>Frequency cap (empty: none)</legend>
        <div className="item-row">
          <Field label="At most (times a person)" refused={at('cap')}>
            {(props) => (
              <input
                {...props}
                inputMode="numeric"
                value={item.capMax}
                onChange={(event) => {
                  onChange({ ...item, capMax: event.target.value });
                }}
              />
            )}
          </Field>
          <Field label="In any window of" refused={undefined}>
            {(props) => (
              <input
                {...props}
                inputMode="numeric"
                value={item.capEvery}
                onChange={(event) => {
                  onChange({ ...item, capEvery: event.target.value });
                }}
              />
            )}
          </Field>
          <Field label="Window unit" refused={undefined}>
            {(props) => (
              <select
                {...props}
                value={item.capUnit}
                onChange={(event) => {
                  onChange({ ...item, capUnit: event.target.value as CapUnit });
                }}
              >
                {capUnits.map((unit) => (
                  <option key={unit} value={unit}>
                    {UNIT_NAMES[unit]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </fieldset>
      <fieldset className="sub">
        <legend>Experiment (empty: none)</legend>
        <Field
          label="Runs the experiment"
          refused={at('experiment')}
          hint="When this item wins, the person is assigned in it and their variant served"
        >
          {(props) => (
            <input
              {...props}
              value={item.experiment}
              maxLength={128}
              onChange={(event) => {
                onChange({ ...item, experiment: event.target.value });
              }}
            />
          )}
        </Field>
        {at('variants') !== undefined && (
          <RefusalMessage id={`${id}-variants-error`} refusal={at('variants') as Refusal} />
        )}
        {item.variants.map((variant, index) => (
          <div className="variant" key={index}>
            <Field label={`Variant ${index + 1} id`} refused={undefined}>
              {(props) => (
                <input
                  {...props}
                  value={variant.id}
                  maxLength={128}
                  onChange={(event) => {
                    setVariant(index, { id: event.target.value });
                  }}
                />
              )}
            </Field>
            <Field label={`Variant ${index + 1} template (Liquid)`} refused={undefined}>
              {(props) => (
                <textarea
                  {...props}
                  rows={2}
                  spellCheck={false}
                  value={variant.template}
                  onChange={(event) => {
                    setVariant(index, { template: event.target.value });
                  }}
                />
              )}
            </Field>
            <p>
              <button
                type="button"
                className="quiet"
                onClick={() => {
                  onChange({ ...item, variants: item.variants.filter((_, i) => i !== index) });
                }}
              >
                Remove variant {index + 1}
              </button>
            </p>
          </div>
        ))}
        <p>
          <button
            type="button"
            className="quiet"
            onClick={() => {
              onChange({ ...item, variants: [...item.variants, { id: '', template: '' }] });
            }}
          >
            Add a variant’s template
          </button>
          <span className="note">
            {' '}
            A variant without one (the control) gets the item’s template.
          </span>
        </p>
      </fieldset>
    </>
  );
}
